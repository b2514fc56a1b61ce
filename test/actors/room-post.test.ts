/**
 * Operations on a room without a socket (actors/room-post.ts), on the harness: a post is a
 * `send` from its sender (rules, idempotency, durability, one seq order), answered to the
 * caller, with no presence and no connection; a read marker is a `read` frame from its user.
 */
import t from 'tap'
import { RoomUnavailableError } from '../../actors/actor.ts'
import { createWorld } from '../../actors/testing.ts'

t.test('a post is stored, broadcast to the room, and answered; it is not a connection', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.clear()
  const outcome = await world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'hello' })
  t.match(outcome, { ok: true, seq: 1, created: true })
  await world.settle()
  t.match(ann.frames(), [{ type: 'message', room: 'lobby', message: { seq: 1, senderId: 'bot', text: 'hello' } }])
  t.equal(ann.frames('presence').length, 0, 'no presence for the poster')
  t.same(world.host.activeRooms(), [{ room: 'lobby', connections: 1, users: 1 }], 'only the socket is counted')
  const page = await world.store.readPage('lobby', { limit: 10 })
  t.match(page.messages, [{ seq: 1, senderId: 'bot', clientId: 'p1' }])
})

t.test('a repeated id is stored once and answered with the original', async (t) => {
  const world = await createWorld()
  const first = await world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'hello' })
  const again = await world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'hello' })
  t.match(first, { ok: true, seq: 1, created: true })
  t.same(again, { ...first, created: false })
  // Two at once: the second waits for the first's write and gets its ack, not a new message.
  const [a, b] = await Promise.all([
    world.host.post('lobby', { senderId: 'bot', id: 'p2', text: 'x' }),
    world.host.post('lobby', { senderId: 'bot', id: 'p2', text: 'x' }),
  ])
  t.match(a, { ok: true, seq: 2, created: true })
  t.match(b, { ok: true, seq: 2, created: false })
  // Past the in-memory window, after a restart: the store finds it.
  await world.restart()
  t.match(await world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'hello' }), {
    ok: true,
    seq: 1,
    created: false,
  })
  t.equal((await world.store.readPage('lobby', { limit: 10 })).messages.length, 2)
})

t.test("a post is rate limited as its sender's sends, unless unlimited", async (t) => {
  const world = await createWorld({ limits: { sendBurst: 2, sendPerSecond: 1 } })
  const outcomes = []
  for (let i = 0; i < 3; i++) outcomes.push(await world.host.post('lobby', { senderId: 'ann', id: `k${i}`, text: 'x' }))
  t.match(outcomes, [{ ok: true }, { ok: true }, { ok: false, code: 'rate_limited', retryAfterMs: Number }])
  // The sender's socket shares the bucket.
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 's1', text: 'y' })
  await world.settle()
  t.match(ann.last('error'), { code: 'rate_limited', ref: 's1' })
  for (let i = 0; i < 5; i++)
    t.match(await world.host.post('lobby', { senderId: 'system', id: `u${i}`, text: 'x', unlimited: true }), {
      ok: true,
    })
  // An unlimited post refunds nothing it did not take: the user's bucket is as it was.
  await world.advance(1000)
  t.match(await world.host.post('lobby', { senderId: 'ann', id: 'k9', text: 'x' }), { ok: true })
  t.match(await world.host.post('lobby', { senderId: 'ann', id: 'k10', text: 'x' }), {
    ok: false,
    code: 'rate_limited',
  })
})

t.test("the room's rules: too long, empty", async (t) => {
  const world = await createWorld({ limits: { maxTextLength: 5 } })
  t.match(await world.host.post('lobby', { senderId: 'bot', id: 'a', text: '123456', unlimited: true }), {
    ok: false,
    code: 'too_long',
  })
  t.match(await world.host.post('lobby', { senderId: 'bot', id: 'b', text: '' }), { ok: false, code: 'invalid_frame' })
  t.match(await world.host.post('lobby', { senderId: 'bot', id: 'c', text: '🙂🙂🙂🙂🙂' }), { ok: true })
})

t.test('a store that fails: unavailable, nothing stored; the same id again stores it once', async (t) => {
  const world = await createWorld()
  await world.host.post('lobby', { senderId: 'bot', id: 'p0', text: 'warm' })
  world.faults.failNext(1, 'append')
  t.match(await world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'x' }), { ok: false, code: 'unavailable' })
  t.equal((await world.store.readPage('lobby', { limit: 10 })).messages.length, 1)
  t.match(await world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'x' }), { ok: true, seq: 2, created: true })
})

t.test('a room that cannot be activated: RoomUnavailableError', async (t) => {
  const world = await createWorld()
  world.faults.failNext(1, 'loadRoom')
  await t.rejects(world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'x' }), RoomUnavailableError)
})

t.test('a post during a handoff goes to the next actor, by the same id, stored once', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const release = world.faults.stall('append')
  const first = world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'one' })
  await world.settle()
  const handoff = world.host.handOff('lobby', 'rebalanced')
  await world.settle()
  // Taken by nobody while the writes settle: it waits for the room's next actor.
  const second = world.host.post('lobby', { senderId: 'bot', id: 'p2', text: 'two' })
  await world.settle()
  release()
  await handoff
  await world.advance(1000) // the retry's pause, on virtual time
  t.match(await first, { ok: true, seq: 1 })
  t.match(await second, { ok: true, seq: 2, created: true })
  await world.settle()
  t.same(
    (await world.store.readPage('lobby', { limit: 10 })).messages.map((m) => m.clientId),
    ['p1', 'p2'],
  )
  t.same(
    ann.frames('message').map((f) => f.message.seq),
    [1, 2],
    'the socket sees both once, in order, across the move',
  )
})

t.test('a read marker over HTTP: forward only, the room is told, stored before the answer', async (t) => {
  const world = await createWorld()
  for (let i = 1; i <= 3; i++) await world.host.post('lobby', { senderId: 'bot', id: `p${i}`, text: 'x' })
  const bob = await world.connect('bob', { room: 'lobby' })
  bob.clear()
  await world.host.markRead('lobby', 'ann', 2)
  t.equal(await world.store.getReadMarker('lobby', 'ann'), 2)
  await world.settle()
  t.match(bob.frames(), [{ type: 'read', room: 'lobby', userId: 'ann', seq: 2 }])
  // Again, and backwards: the marker does not move, nobody is told again.
  await world.host.markRead('lobby', 'ann', 2)
  await world.host.markRead('lobby', 'ann', 1)
  await world.settle()
  t.equal(bob.frames('read').length, 1, 'one read frame for one move')
  await world.host.markRead('lobby', 'ann', 99)
  t.equal(await world.store.getReadMarker('lobby', 'ann'), 3, 'past the latest counts as the latest')
  // Armed for the next marker write: a marker that does not move writes nothing, so it passes.
  world.faults.failNext(1, 'advanceReadMarker')
  await world.host.markRead('lobby', 'bob', 0)
  await t.rejects(world.host.markRead('lobby', 'carol', 1), RoomUnavailableError)
  const carol = await world.connect('carol', { room: 'lobby' })
  t.match(carol.last('welcome'), { lastRead: 0 })
  await world.host.markRead('lobby', 'carol', 3)
  await world.settle()
  t.match(carol.last('read'), { userId: 'carol', seq: 3 })
})

t.test("tracing: the post's commit links to the request's span, its broadcast is in the request's trace", async (t) => {
  const world = await createWorld({ tracer: true })
  const request = world.spans!.startSpan('HTTP POST /rooms/:roomId/messages', { kind: 'server' })
  await world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'x' }, request.traceparent)
  request.end()
  const [commit] = world.spans!.byName('room.commit')
  const [broadcast] = world.spans!.byName('room.broadcast')
  const requestId = request.traceparent.split('-')[2]
  t.ok(
    commit!.links.some((l) => l.includes(requestId!)),
    'the commit links to the request',
  )
  t.equal(broadcast!.traceId, request.traceparent.split('-')[1], "the broadcast is in the request's trace")
})
