/**
 * A deploy as ECS does it, under load: start a new node, drain an old one, three times over,
 * until no original node is left (PROTOCOL.md section 8: joins and drains move rooms live).
 * Then kill -9 of a node that owns nothing of the room (a gateway): the owner forgets its
 * clients (presence), everyone else keeps their sockets. CLUSTER_HEARTBEAT_MS=200,
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

t.test('rolling deploy under load: every node replaced, nothing lost, only drained nodes close sockets', async (t) => {
  const rooms = ['roll-a', 'roll-b']
  const members = new Map(
    await Promise.all(rooms.map(async (r) => [r, await membersOn(cluster, cluster.live, r, 1)] as const)),
  )
  const drained: string[] = []
  await underLoad([...members.values()].flat(), {
    before: 40,
    after: 40,
    gapMs: 60,
    during: async () => {
      for (const old of ['n1', 'n2', 'n3']) {
        await cluster.add()
        await cluster.settled()
        drained.push(old)
        t.equal(await cluster.signal(old, 'SIGTERM').exited, 0, `${old} drained and exited 0`)
        await cluster.settled()
      }
    },
  })
  t.same(cluster.live.map((n) => n.id).sort(), ['n4', 'n5', 'n6'])
  for (const room of rooms) {
    await verifyRoom(t, cluster, room, members.get(room)!, { via: cluster.live[0]!, allowClosesOn: drained })
    const users = members
      .get(room)!
      .map((m) => m.user)
      .sort()
    const present = await until(
      `presence of ${room}`,
      async () => {
        const p = await presenceOf(cluster, cluster.live[0]!, room)
        return p.join() === users.join() ? p : undefined
      },
      10_000,
    ).catch(async () => presenceOf(cluster, cluster.live[0]!, room))
    t.same(present, users, `presence of ${room} after the deploy: every member, nobody else`)
  }
  await Promise.all([...members.values()].flat().map((m) => m.close()))
})

t.test('kill -9 of a gateway: the owner drops its clients, the others keep their sockets', async (t) => {
  const room = 'gateway-dies'
  const owner = await cluster.owner(room)
  const gateway = cluster.live.find((n) => n.id !== owner)!
  const members = await membersOn(cluster, cluster.live, room, 1)
  const doomed = members.filter((m) => m.node === gateway)
  const rest = members.filter((m) => m.node !== gateway)
  const before = await presenceOf(cluster, cluster.node(owner), room)
  t.same(before, members.map((m) => m.user).sort(), 'everyone present before')
  for (const m of doomed) m.abandon() // they die with their node and do not come back
  await underLoad(rest, {
    before: 30,
    after: 30,
    during: async () => {
      await cluster.signal(gateway.id, 'SIGKILL').exited
    },
  })
  await verifyRoom(t, cluster, room, rest, { via: cluster.node(owner) })
  t.equal(await cluster.owner(room), owner, 'the room did not move')
  const users = rest.map((m) => m.user).sort()
  const present = await until(
    "presence without the dead gateway's users",
    async () => {
      const p = await presenceOf(cluster, cluster.node(owner), room)
      return p.join() === users.join() ? p : undefined
    },
    15_000,
  ).catch(async () => presenceOf(cluster, cluster.node(owner), room))
  t.same(present, users, "presence at the owner no longer lists the dead gateway's users")
  await Promise.all(rest.map((m) => m.close()))
})
