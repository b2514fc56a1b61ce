/**
 * Faults on top of faults, under load (PROTOCOL.md section 8): kill -9 of the owner with many
 * sends in flight (8 unacked per client), a drain whose receiving node is killed as soon as it
 * claimed the room, and kill -9 of the owner while a node joins. Same invariants as the other
 * cluster tests (test/support/cluster-member.ts verifyRoom). Four nodes,
 * CLUSTER_HEARTBEAT_MS=200, CLUSTER_LEASE_MS=1500.
 */
import t from 'tap'
import { Cluster, until } from '../support/cluster.ts'
import { membersOn, underLoad, verifyRoom } from '../support/cluster-member.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

let cluster: Cluster
t.before(async () => {
  cluster = await Cluster.start({ nodes: 4 })
})
t.teardown(() => cluster?.stop())

t.test('kill -9 of the owner with many sends in flight', async (t) => {
  const room = 'heavy'
  const owner = await cluster.owner(room)
  const members = await membersOn(cluster, cluster.live, room, 1)
  await underLoad(members, {
    before: 100,
    after: 100,
    inFlight: 8,
    gapMs: 5,
    during: async () => {
      await cluster.signal(owner, 'SIGKILL').exited
    },
  })
  await verifyRoom(t, cluster, room, members, { via: cluster.live[0]!, allowClosesOn: [owner] })
  await Promise.all(members.map((m) => m.close()))
})

t.test('drain of the owner, and kill -9 of the node that took the room as soon as it claimed it', async (t) => {
  await cluster.add()
  await cluster.settled()
  const room = 'drain-kill'
  const owner = await cluster.owner(room)
  const members = await membersOn(cluster, cluster.live, room, 1)
  let next = ''
  await underLoad(members, {
    before: 60,
    after: 60,
    inFlight: 4,
    gapMs: 10,
    during: async () => {
      const since = new Date().toISOString()
      const node = cluster.signal(owner, 'SIGTERM')
      // The node that claimed the room logs room_moved once its claim succeeded.
      const claimed = () =>
        cluster.logs('room_moved').find((l) => l.line.room === room && l.node !== owner && String(l.line.ts) >= since)
      next = (await until('the next owner to claim the room', claimed, 20_000)).node
      t.comment(`drained ${owner}, killing ${next}`)
      await cluster.signal(next, 'SIGKILL').exited
      await node.exited
    },
  })
  await verifyRoom(t, cluster, room, members, { via: cluster.live[0]!, allowClosesOn: [owner, next] })
  await Promise.all(members.map((m) => m.close()))
})

t.test('kill -9 of the owner while a node joins', async (t) => {
  const room = 'join-kill'
  const owner = await cluster.owner(room)
  const members = await membersOn(cluster, cluster.live, room, 1)
  await underLoad(members, {
    before: 60,
    after: 60,
    inFlight: 4,
    gapMs: 10,
    during: async () => {
      const adding = cluster.add()
      await cluster.signal(owner, 'SIGKILL').exited
      await adding
      await cluster.settled()
    },
  })
  await verifyRoom(t, cluster, room, members, { via: cluster.live[0]!, allowClosesOn: [owner] })
  await Promise.all(members.map((m) => m.close()))
})
