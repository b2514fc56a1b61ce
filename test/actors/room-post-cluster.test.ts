/**
 * A post and a read marker over HTTP on a node that does not own the room (actors/room-post.ts):
 * they cross the link to the owner, which stores once and tells every node's connections; an
 * owner that dies with a post on its way has it retried at the next owner by the same id.
 * Two real nodes (ActorHost + ClusterNode) on one virtual clock (test/support/two-nodes.ts).
 */
import t from 'tap'
import { ownerOf } from '../../actors/cluster/placement.ts'
import { MemoryStore } from '../../actors/testing.ts'
import { InstrumentedStore } from '../../actors/testing/instrumented-store.ts'
import { recordingSocket, twoNodes } from '../support/two-nodes.ts'

async function cluster() {
  const shared = new InstrumentedStore(new MemoryStore())
  const c = await twoNodes(() => ({ hostOptions: { store: shared.store } }))
  const room = Array.from({ length: 100 }, (_, i) => `room${i}`).find((r) => ownerOf(r, ['n1', 'n2']) === 'n2')!
  const [a, b] = c.nodes
  const connect = async (host: typeof a.host, user: string) => {
    const socket = recordingSocket()
    host.openSession({ user: { id: user }, socket: socket.port, room: { roomId: room } })
    await c.advance(100)
    return socket
  }
  const stored = async () => (await shared.inner.readPage(room, { limit: 100 })).messages
  return { ...c, a, b, room, connect, stored, faults: shared.faults }
}

t.test("a post on node A for a room owned by B is stored once at B; both nodes' sockets get it", async (t) => {
  const { a, b, room, connect, stored, advance } = await cluster()
  t.equal(a.cluster.isLocal(room), false, 'the room lives on n2')
  const ann = await connect(a.host, 'ann')
  const bob = await connect(b.host, 'bob')
  const posting = a.host.post(room, { senderId: 'bot', id: 'p1', text: 'hello' })
  await advance(100)
  const outcome = await posting
  t.match(outcome, { ok: true, seq: 1, created: true })
  t.match(await stored(), [{ seq: 1, senderId: 'bot', clientId: 'p1' }])
  t.equal((await stored()).length, 1)
  for (const socket of [ann, bob]) {
    const messages = socket.frames.filter((f) => f.type === 'message')
    t.same(
      messages.map((f) => [f.message.seq, f.message.senderId]),
      [[1, 'bot']],
    )
    t.equal(socket.frames.filter((f) => f.type === 'presence' && f.userId === 'bot').length, 0, 'no presence for it')
  }
  t.same(b.host.activeRooms(), [{ room, connections: 2, users: 2 }], 'the post is no connection at the owner')
  // Again, by the same id: the original, nothing new.
  const again = a.host.post(room, { senderId: 'bot', id: 'p1', text: 'hello' })
  await advance(100)
  t.same(await again, { ...outcome, created: false })
  // Refused by the owner's rules: the code crosses the link.
  const long = a.host.post(room, { senderId: 'bot', id: 'p2', text: 'x'.repeat(4001) })
  await advance(100)
  t.match(await long, { ok: false, code: 'too_long' })

  const marking = a.host.markRead(room, 'ann', 1)
  await advance(100)
  await marking
  t.equal(await b.host.store.getReadMarker(room, 'ann'), 1)
  t.match(
    bob.frames.filter((f) => f.type === 'read'),
    [{ userId: 'ann', seq: 1 }],
  )
  t.match(
    ann.frames.filter((f) => f.type === 'read'),
    [{ userId: 'ann', seq: 1 }],
  )
})

for (const applied of [false, true]) {
  t.test(
    `the owner dies with a post on its way (its write ${applied ? 'stored' : 'not stored'}): stored once, at the next owner`,
    async (t) => {
      const { a, b, room, connect, stored, advance, network, faults } = await cluster()
      const ann = await connect(a.host, 'ann')
      const release = faults.stall('append')
      let answer: unknown
      const posting = a.host.post(room, { senderId: 'bot', id: 'p1', text: 'hello' }).then((o) => (answer = o))
      await advance(50)
      t.equal(answer, undefined, 'the write is held at the owner')
      // kill -9 of n2: its links drop, its lease stops moving.
      network.crash('n2')
      await b.cluster.close()
      if (applied) release()
      else release(new Error('the process died before the write'))
      await advance(15_000)
      await posting
      t.match(answer, { ok: true, seq: 1, created: !applied })
      t.match(await stored(), [{ seq: 1, clientId: 'p1' }])
      t.equal((await stored()).length, 1, 'stored once')
      t.equal(a.cluster.isLocal(room), true, 'n1 owns the room now')
      t.same(
        ann.frames.filter((f) => f.type === 'message').map((f) => f.message.seq),
        [1],
        'the socket on n1 sees it once',
      )
    },
  )
}
