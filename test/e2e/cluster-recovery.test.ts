/**
 * Recovery and multiplexing across nodes under load (PROTOCOL.md sections 6 and 8): a client
 * far behind (since=5 with hundreds of messages after it) recovers on a third node while two
 * others keep sending; one /ws socket in nine rooms owned by other nodes keeps every room,
 * in order, through kill -9 of one of the owners. Three nodes, CLUSTER_HEARTBEAT_MS=200,
 * CLUSTER_LEASE_MS=1500.
 */
import t from 'tap'
import { Client, is, type Frame } from '../support/client.ts'
import { Cluster, until } from '../support/cluster.ts'
import { Member, underLoad, verifyRoom } from '../support/cluster-member.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

let cluster: Cluster
t.before(async () => {
  cluster = await Cluster.start({ nodes: 3 })
})
t.teardown(() => cluster?.stop())

t.test('recovery far behind on another node while the room is busy', async (t) => {
  const room = 'far'
  const [a, b, c] = cluster.live
  const senders = [
    await Member.join(cluster, a!, { user: 's1', room }),
    await Member.join(cluster, b!, { user: 's2', room }),
  ]
  const token = await cluster.token('late')
  let stop = false
  const loads = senders.map((m) => m.load(() => stop, { inFlight: 4, gapMs: 5 }))
  await until('300 acks', () => (senders.reduce((x, m) => x + m.acked.size, 0) >= 300 ? true : undefined))
  const late = await Client.open(`${c!.ws}/ws/rooms/${room}?since=5`, { token })
  await until('200 more', () => (senders.reduce((x, m) => x + m.acked.size, 0) >= 500 ? true : undefined))
  stop = true
  await Promise.all(loads)
  const history = await verifyRoom(t, cluster, room, senders, { via: c! })
  await until('late to catch up', () => (late.seen(is('message')).length >= history.length - 5 ? true : undefined))
  const seqs = late.seen(is('message')).map((f) => (f.message as { seq: number }).seq)
  t.same(
    seqs,
    Array.from({ length: history.length - 5 }, (_, i) => i + 6),
    `late client saw 6..${history.length} once, in order`,
  )
  await late.close()
  await Promise.all(senders.map((m) => m.close()))
})

t.test('one /ws socket in rooms owned by every node; kill one owner: the others go on, the socket stays', async (t) => {
  const rooms = Array.from({ length: 9 }, (_, i) => `multi-${i}`)
  const owners = await Promise.all(rooms.map((r) => cluster.owner(r)))
  t.comment(`owners ${owners.join(',')}`)
  const victim = owners.find((o) => o !== cluster.live[0]!.id)!
  const home = cluster.live.find((n) => n.id !== victim)!
  const token = await cluster.token('multi')
  const mux = await Client.open(`${home.ws}/ws`, { token })
  for (const room of rooms) {
    mux.send({ type: 'join', room })
    await mux.take(is('welcome', { room }))
  }
  const senders = await Promise.all(rooms.map((room) => Member.join(cluster, home, { user: `ms-${room}`, room })))
  await underLoad(senders, {
    before: 50,
    after: 80,
    gapMs: 30,
    during: async () => {
      await cluster.signal(victim, 'SIGKILL').exited
    },
  })
  for (const [i, room] of rooms.entries()) {
    const history = await verifyRoom(t, cluster, room, [senders[i]!], { via: home })
    await until(
      `mux to see ${room}`,
      () =>
        mux.seen((f: Frame) => f.type === 'message' && f.room === room).length >= history.length ? true : undefined,
      15_000,
    ).catch(() => undefined)
    const seqs = mux
      .seen((f: Frame) => f.type === 'message' && f.room === room)
      .map((f) => (f.message as { seq: number }).seq)
    t.same(
      seqs,
      history.map((m) => m.seq),
      `${room} (owner ${owners[i]}) on the shared /ws: every message once, in order`,
    )
  }
  t.equal(mux.ws.readyState, mux.ws.OPEN, 'the /ws socket stayed open')
  t.same(mux.seen(is('left')), [], 'no room was left')
  await mux.close()
  await Promise.all(senders.map((m) => m.close()))
})
