/**
 * SIGSTOP of a room's owner past its lease, then SIGCONT (PROTOCOL.md section 8, fencing):
 * another node takes the room; the paused node, once it runs again, must not store anything
 * in the room it lost, even for sends its clients made while it was stopped. Checked in the
 * store: seq dense, every text stored once, every ack at its stored seq. Its clients may lose
 * their sockets (the peers' ping timeout) and recover with since; the others keep theirs.
 * CLUSTER_HEARTBEAT_MS=200, CLUSTER_LEASE_MS=1500.
 */
import t from 'tap'
import { Cluster, until } from '../support/cluster.ts'
import { membersOn, underLoad, verifyRoom } from '../support/cluster-member.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

let cluster: Cluster
t.before(async () => {
  cluster = await Cluster.start({ nodes: 3 })
})
t.teardown(() => cluster?.stop())

t.test('SIGSTOP of the owner past its lease, then SIGCONT: it stores nothing in the room it lost', async (t) => {
  const room = 'pause'
  const owner = await cluster.owner(room)
  const members = await membersOn(cluster, cluster.live, room)
  const epoch0 = (await cluster.roomInfo(cluster.live[0]!, room)).epoch
  const others = () => cluster.live.filter((n) => n.id !== owner)
  await underLoad(members, {
    before: 60,
    after: 60,
    during: async () => {
      const paused = cluster.signal(owner, 'SIGSTOP')
      // Past its lease: the others dropped it and one of them claimed the room.
      await cluster.settled(
        others().map((n) => n.id),
        others(),
      )
      const survivor = members.find((m) => m.node.id !== owner)!
      await survivor.send()
      await until('the room claimed again', async () =>
        (await cluster.roomInfo(others()[0]!, room)).epoch > epoch0 ? true : undefined,
      )
      // Its own clients kept sending while it was stopped: those frames wait in its sockets.
      cluster.signal(owner, 'SIGCONT')
      // It comes back to life and rejoins (a fresh lease version); the room stays fenced.
      await cluster.settled(cluster.live.map((n) => n.id))
      t.equal(paused.child.exitCode, null, 'the paused node is still running')
    },
  })
  const history = await verifyRoom(t, cluster, room, members, { via: others()[0]!, allowClosesOn: [owner] })
  const finalEpoch = (await cluster.roomInfo(others()[0]!, room)).epoch
  t.ok(finalEpoch > epoch0, `epoch ${epoch0} -> ${finalEpoch}`)
  t.comment(`${history.length} messages; fenced writes logged: ${JSON.stringify(cluster.logs('room_fenced').length)}`)
  await Promise.all(members.map((m) => m.close()))
})

t.test('SIGSTOP of the owner, SIGCONT as soon as the others dropped it (before anyone claimed the room)', async (t) => {
  const room = 'pause-race'
  const owner = await cluster.owner(room)
  const members = await membersOn(cluster, cluster.live, room, 1)
  const others = () => cluster.live.filter((n) => n.id !== owner)
  await underLoad(members, {
    before: 40,
    after: 40,
    during: async () => {
      cluster.signal(owner, 'SIGSTOP')
      await cluster.settled(
        others().map((n) => n.id),
        others(),
      )
      cluster.signal(owner, 'SIGCONT')
      await cluster.settled()
    },
  })
  await verifyRoom(t, cluster, room, members, { via: others()[0]!, allowClosesOn: [owner] })
  await Promise.all(members.map((m) => m.close()))
})

t.test('SIGSTOP of a gateway past its lease, then SIGCONT: its clients catch up with no gap', async (t) => {
  const room = 'pause-gateway'
  const owner = await cluster.owner(room)
  const gateway = cluster.live.find((n) => n.id !== owner)!
  const members = await membersOn(cluster, cluster.live, room, 1)
  const others = () => cluster.live.filter((n) => n.id !== gateway.id)
  await underLoad(members, {
    before: 40,
    after: 60,
    during: async () => {
      cluster.signal(gateway.id, 'SIGSTOP')
      await cluster.settled(
        others().map((n) => n.id),
        others(),
      )
      // The room goes on without it.
      await members.find((m) => m.node !== gateway)!.send()
      cluster.signal(gateway.id, 'SIGCONT')
      await cluster.settled()
    },
  })
  await verifyRoom(t, cluster, room, members, { via: cluster.node(owner), allowClosesOn: [gateway.id] })
  await Promise.all(members.map((m) => m.close()))
})
