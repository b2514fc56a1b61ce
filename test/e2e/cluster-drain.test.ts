/**
 * SIGTERM (drain) of a room's owner under load (PROTOCOL.md sections 7-8): it stops accepting,
 * hands the room over without waiting for a lease, closes its own clients with 1001; they
 * recover with `since` on another node; clients on the other nodes keep their sockets; nothing
 * acked is lost, nothing is stored twice. Three nodes, CLUSTER_HEARTBEAT_MS=200,
 * CLUSTER_LEASE_MS=1500.
 */
import t from 'tap'
import { Cluster, until } from '../support/cluster.ts'
import { membersOn, presenceOf, underLoad, verifyRoom } from '../support/cluster-member.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

let cluster: Cluster
t.before(async () => {
  cluster = await Cluster.start({ nodes: 3 })
})
t.teardown(() => cluster?.stop())

t.test('SIGTERM of the owner under load: handed over, its clients get 1001 and recover, nothing lost', async (t) => {
  const room = 'drain'
  const owner = await cluster.owner(room)
  const members = await membersOn(cluster, cluster.live, room)
  let code: number | null = null
  let readyWhileDraining: number | string = 'not asked'
  await underLoad(members, {
    before: 60,
    after: 60,
    during: async () => {
      const node = cluster.signal(owner, 'SIGTERM')
      await node.logged((l) => l.event === 'drain_start')
      // The Node adapter stops listening at once: a new connection is refused, never served 200.
      readyWhileDraining = await fetch(`${node.http}/ready`).then(
        (r) => r.status,
        () => 'refused',
      )
      code = await node.exited
    },
  })
  t.equal(code, 0, 'the drained node exited 0')
  t.not(readyWhileDraining, 200, `/ready on the draining node: ${readyWhileDraining}`)
  const drained = cluster.node(owner)
  t.ok(
    drained.lines.some((l) => l.event === 'drain_done'),
    'drain_done logged',
  )
  const newOwner = await cluster.owner(room)
  t.not(newOwner, owner, `the room moved from ${owner} to ${newOwner}`)
  await verifyRoom(t, cluster, room, members, { via: cluster.live[0]!, allowClosesOn: [owner] })
  const own = members.filter((m) => m.closes.some((c) => c.node === owner))
  t.same(
    [...new Set(own.flatMap((m) => m.closes.map((c) => c.code)))],
    [1001],
    `the drained node's clients were closed with 1001 (${own.length})`,
  )
  t.ok(
    own.every((m) => m.reconnects >= 1),
    'and came back with since on another node',
  )
  const users = members.map((m) => m.user).sort()
  const present = await until(
    'presence to settle at the new owner',
    async () => {
      const p = await presenceOf(cluster, cluster.live[0]!, room)
      return p.join() === users.join() ? p : undefined
    },
    10_000,
  ).catch(async () => presenceOf(cluster, cluster.live[0]!, room))
  t.same(present, users, 'presence at the new owner lists every member, nobody else')
  t.same(cluster.logs('lease_renew_failed'), [], 'no lease renewal failed')
  await Promise.all(members.map((m) => m.close()))
})
