/**
 * Many rooms through a sequence of faults under load, one after the other (PROTOCOL.md section
 * 8): kill -9, a join, SIGSTOP past the lease and SIGCONT, a drain, another join. Every room
 * keeps the invariants (test/support/cluster-member.ts verifyRoom); only clients of the node a
 * fault hit may lose their socket. CLUSTER_HEARTBEAT_MS=200, CLUSTER_LEASE_MS=1500.
 */
import t from 'tap'
import { Cluster } from '../support/cluster.ts'
import { Member, underLoad, verifyRoom } from '../support/cluster-member.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

let cluster: Cluster
t.before(async () => {
  cluster = await Cluster.start({ nodes: 4 })
})
t.teardown(() => cluster?.stop())

t.test('eight rooms through kill -9, join, pause, drain and join again', async (t) => {
  const rooms = Array.from({ length: 8 }, (_, i) => `chaos-${i}`)
  const members = new Map<string, Member[]>()
  // One client per node per room: on /ws in even rooms, on /ws/rooms/:roomId in odd ones.
  for (const [i, room] of rooms.entries()) {
    const mode = i % 2 === 0 ? 'mux' : 'room'
    members.set(
      room,
      await Promise.all(
        cluster.live.map((node) => Member.join(cluster, node, { user: `${room}-${node.id}`, room, mode })),
      ),
    )
  }
  const hit: string[] = []
  const busiest = async () => {
    // The node owning the most rooms: the worst one to lose.
    const owners = await Promise.all(rooms.map((r) => cluster.owner(r)))
    const count = new Map<string, number>()
    for (const o of owners) count.set(o, (count.get(o) ?? 0) + 1)
    return [...count].sort((a, b) => b[1] - a[1])[0]![0]
  }
  await underLoad([...members.values()].flat(), {
    before: 40,
    after: 40,
    gapMs: 80,
    inFlight: 1,
    during: async () => {
      const killed = await busiest()
      hit.push(killed)
      await cluster.signal(killed, 'SIGKILL').exited
      await cluster.settled()
      await cluster.add()
      await cluster.settled()
      const paused = await busiest()
      hit.push(paused)
      cluster.signal(paused, 'SIGSTOP')
      await cluster.settled(cluster.live.map((n) => n.id))
      cluster.signal(paused, 'SIGCONT')
      await cluster.settled()
      const drained = await busiest()
      hit.push(drained)
      t.equal(await cluster.signal(drained, 'SIGTERM').exited, 0, `${drained} drained`)
      await cluster.add()
      await cluster.settled()
    },
  })
  t.comment(`faults hit ${hit.join(', ')}; live now ${cluster.live.map((n) => n.id).join(', ')}`)
  for (const room of rooms)
    await verifyRoom(t, cluster, room, members.get(room)!, { via: cluster.live[0]!, allowClosesOn: hit })
  await Promise.all([...members.values()].flat().map((m) => m.close()))
})
