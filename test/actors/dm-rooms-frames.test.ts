// The `rooms` and `dm` frames (docs/protocol.md "Conversations and my rooms") through the
// session, on virtual time: a dm joins the caller's /ws to the conversation and is answered
// like a send; it is idempotent by id across a reconnect; refusals carry the frame's id.
import t from 'tap'
import { createWorld } from '../../actors/testing.ts'

t.test('dm: joins the conversation (welcome), then ack and message carry its room; the peer finds it', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann')
  ann.write({ type: 'dm', to: 'bob', id: 'k1', text: 'hi bob' })
  await world.settle()
  const welcome = ann.last('welcome')!
  const room = welcome.room as string
  t.match(room, /^dm_[A-Za-z0-9_-]+$/)
  t.match(
    ann.frames().map((f) => f.type),
    ['welcome', 'presence', 'message', 'ack'].filter((x) => x !== 'presence'),
  )
  t.match(ann.last('ack'), { type: 'ack', room, id: 'k1', seq: 1 })
  t.match(ann.last('message'), { type: 'message', room, message: { seq: 1, senderId: 'ann', text: 'hi bob' } })
  const bob = await world.connect('bob')
  bob.write({ type: 'rooms' })
  await world.settle()
  t.match(bob.last('rooms'), {
    type: 'rooms',
    rooms: [{ room, kind: 'conversation', seq: 1, lastRead: 0, unread: 1, members: ['ann', 'bob'] }],
  })
  t.notOk('nextCursor' in bob.last('rooms')!, 'one page')
  bob.write({ type: 'dm', to: 'ann', id: 'b1', text: 'hi ann' })
  await world.settle()
  t.match(bob.last('ack'), { room, seq: 2 }, 'the same room from the other side')
  t.match(ann.last('message'), { room, message: { seq: 2, senderId: 'bob' } }, 'ann is in it: she gets it live')
  ann.clear()
  ann.write({ type: 'dm', to: 'bob', id: 'k2', text: 'again' })
  await world.settle()
  t.same(
    ann.frames().map((f) => f.type),
    ['message', 'ack'],
    'already joined: no second welcome',
  )
})

t.test('dm: resent after a reconnect, stored once and made once', async (t) => {
  const world = await createWorld({ limits: { conversationsPerMinute: 1 } })
  const ann = await world.connect('ann')
  ann.write({ type: 'dm', to: 'bob', id: 'k1', text: 'once' })
  await world.settle()
  const first = ann.last('ack')!
  await ann.disconnect()
  const again = await world.connect('ann')
  again.write({ type: 'dm', to: 'bob', id: 'k1', text: 'once' })
  await world.settle()
  t.same(again.last('ack'), first, 'the original ack')
  t.equal(again.frames('message').length, 0, 'nothing stored again, so no message')
  t.equal((await world.store.readPage(first.room, { limit: 10 })).messages.length, 1)
  t.equal(again.frames('error').length, 0, 'the existing pair used no creation token (the limit is 1)')
})

t.test('dm refusals: to self, bad shape, on a room socket, the creation limit, the room cap', async (t) => {
  const world = await createWorld({ limits: { conversationsPerMinute: 1, maxRoomsPerConnection: 2 } })
  const ann = await world.connect('ann')
  ann.write({ type: 'dm', to: 'ann', id: 'k0', text: 'me' })
  ann.write({ type: 'dm', to: '', id: 'k1', text: 'x' })
  ann.write({ type: 'dm', to: 'bob', id: 'k2' })
  ann.write({ type: 'dm', to: 'bob', id: 'k3', text: 'x' })
  ann.write({ type: 'dm', to: 'cat', id: 'k4', text: 'x' })
  await world.settle()
  const errors = ann.frames('error')
  t.match(errors[0], { code: 'invalid_frame', ref: 'k0', message: /another user/ })
  t.match(errors[1], { code: 'invalid_frame', ref: 'k1', message: /to/ })
  t.match(errors[2], { code: 'invalid_frame', ref: 'k2', message: /text/ })
  t.match(errors[3], { code: 'rate_limited', ref: 'k4', retryAfterMs: 60_000 })
  t.equal(errors.length, 4)
  t.match(ann.last('ack'), { id: 'k3' })
  ann.write({ type: 'join', room: 'lobby' })
  await world.settle()
  await world.advance(60_000)
  ann.write({ type: 'dm', to: 'cat', id: 'k5', text: 'x' })
  await world.settle()
  t.match(ann.last('error'), { code: 'limit_exceeded', ref: 'k5', message: /at most 2 rooms/ })
  const bound = await world.connect('ann', { room: 'lobby' })
  bound.write({ type: 'dm', to: 'bob', id: 'k6', text: 'x' })
  await world.settle()
  t.match(bound.last('error'), { code: 'invalid_frame', ref: 'k6', message: 'dm is only for /ws', room: 'lobby' })
  t.equal(bound.closedWith, undefined)
})

t.test('rooms: on a room socket too; paging by cursor; a bad cursor; a failing store', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann')
  for (const to of ['b', 'c', 'd']) {
    ann.write({ type: 'dm', to, id: `to-${to}`, text: 'x' })
    await world.advance(10)
  }
  const bound = await world.connect('ann', { room: 'lobby' })
  bound.clear()
  bound.write({ type: 'rooms', limit: 2 })
  await world.settle()
  const page = bound.last('rooms')!
  t.equal(page.rooms.length, 2)
  t.match(page.nextCursor, /^[A-Za-z0-9_-]+$/)
  bound.write({ type: 'rooms', limit: 2, cursor: page.nextCursor })
  await world.settle()
  const rest = bound.last('rooms')!
  t.same(
    [...page.rooms, ...rest.rooms].map((r: { members: string[] }) => r.members[0]),
    ['ann', 'ann', 'ann'],
  )
  t.same(
    [...page.rooms, ...rest.rooms].map((r: { members: string[] }) => r.members[1]),
    ['d', 'c', 'b'],
    'newest activity first',
  )
  t.equal(rest.nextCursor, undefined)
  bound.write({ type: 'rooms', cursor: 'garbage!' })
  world.faults.failNext(1, 'roomHeads')
  bound.write({ type: 'rooms' })
  await world.settle()
  t.match(bound.frames('error'), [{ code: 'invalid_frame', message: /cursor/ }, { code: 'unavailable' }])
  t.equal(bound.closedWith, undefined)
})
