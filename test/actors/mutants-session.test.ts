// What a client sees when the session refuses a frame, compared as whole frames (code, message,
// room, ref, retryAfterMs): `npm run mutation` found the messages and echoed fields of
// actors/session.ts and actors/protocol/errors.ts unchecked (docs/guarantees.md "Test strength").
import t from 'tap'
import type { SocketPort } from '../../actors/ports.ts'
import { createWorld } from '../../actors/testing.ts'

t.test('/ws refusals: no room, not joined, not JSON, a bad room id, forbidden, closed, too many rooms', async (t) => {
  const world = await createWorld({ limits: { maxRoomsPerConnection: 1 } })
  await world.admin.putRoom('secret', 'private')
  await world.admin.putRoom('shut', 'public')
  await world.admin.closeRoom('shut')
  const ann = await world.connect('ann')
  ann.write({ type: 'send', id: 'k0', text: 'x' })
  ann.write({ type: 'send', id: 'k1', text: 'x', room: 'a' })
  ann.write('{nope')
  ann.write({ type: 'read', seq: -1, room: 'a' })
  ann.write({ type: 'join', room: 'bad id!' })
  ann.write({ type: 'join', room: 'secret' })
  ann.write({ type: 'join', room: 'shut' })
  ann.write({ type: 'join', room: 'a' })
  ann.write({ type: 'join', room: 'b' })
  ann.write({ type: 'leave', room: 'nowhere' })
  await world.settle()
  t.same(
    ann.frames().filter((f) => f.type !== 'welcome' && f.type !== 'presence'),
    [
      { type: 'error', code: 'invalid_frame', message: 'room is required on /ws', ref: 'k0' },
      { type: 'error', code: 'not_joined', message: 'join the room first', room: 'a', ref: 'k1' },
      { type: 'error', code: 'invalid_frame', message: 'frame is not JSON' },
      { type: 'error', code: 'invalid_frame', message: ann.frames('error')[3]!.message, room: 'a' },
      { type: 'error', code: 'invalid_frame', message: 'not a valid room id', room: 'bad id!' },
      { type: 'error', code: 'forbidden', message: 'you may not enter this room', room: 'secret' },
      { type: 'error', code: 'not_found', message: 'this room is closed', room: 'shut' },
      { type: 'error', code: 'limit_exceeded', message: 'at most 1 rooms per connection; leave one first', room: 'b' },
      { type: 'left', room: 'nowhere' },
    ],
  )
  t.same(
    ann.frames('welcome').map((f) => f.room),
    ['a'],
  )
})

t.test('/ws refusals: join and leave rate, room creation rate', async (t) => {
  const world = await createWorld({ limits: { joinBurst: 2, joinsPerSecond: 1, roomCreatesPerMinute: 1 } })
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'a' })
  ann.write({ type: 'join', room: 'b' })
  ann.write({ type: 'join', room: 'c' })
  await world.settle()
  t.same(ann.frames('error'), [
    {
      type: 'error',
      code: 'rate_limited',
      message: 'too many rooms created; retry later',
      room: 'b',
      retryAfterMs: 60_000,
    },
    {
      type: 'error',
      code: 'rate_limited',
      message: 'too many joins and leaves; retry later',
      room: 'c',
      retryAfterMs: 1000,
    },
  ])
  t.equal(ann.closedWith, undefined, 'rate limits are not refusals: no 1008')
})

t.test('a room socket: join and leave are for /ws; frames for another room are refused', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.clear()
  ann.write({ type: 'join', room: 'other' })
  ann.write({ type: 'leave', room: 'other' })
  ann.write({ type: 'send', id: 'k', text: 'x', room: 'other' })
  ann.write({ type: 'typing', active: 'yes', room: 'other' })
  ann.write({ type: 'send', id: 'k2', text: 'x', room: 'lobby' })
  await world.settle()
  t.same(ann.frames('error'), [
    { type: 'error', code: 'invalid_frame', message: 'join is only for /ws', room: 'other' },
    { type: 'error', code: 'invalid_frame', message: 'leave is only for /ws', room: 'other' },
    {
      type: 'error',
      code: 'invalid_frame',
      message: 'this connection is bound to room lobby',
      room: 'lobby',
      ref: 'k',
    },
    { type: 'error', code: 'invalid_frame', message: ann.frames('error')[3]!.message, room: 'lobby' },
  ])
  t.same(
    ann.frames('ack').map((f) => f.id),
    ['k2'],
    'naming its own room is fine',
  )
})

t.test('a failed entry: 1013 with unavailable on a room socket, an error on /ws', async (t) => {
  const world = await createWorld()
  world.faults.failNext(1, 'loadRoom')
  const ann = await world.connect('ann', { room: 'lobby' })
  t.same(ann.received, [
    { type: 'error', code: 'unavailable', message: 'the room could not be loaded; retry shortly', room: 'lobby' },
  ])
  t.same(ann.closedWith, { code: 1013, reason: 'room unavailable' })
  const mux = await world.connect('bob')
  world.faults.failNext(1, 'loadRoom')
  mux.write({ type: 'join', room: 'hall' })
  await world.settle()
  t.same(mux.frames(), [
    { type: 'error', code: 'unavailable', message: 'the room could not be loaded; retry shortly', room: 'hall' },
  ])
  t.equal(mux.closedWith, undefined)
})

t.test('where a socket cannot be cut, a slow consumer is closed with 1013', async (t) => {
  const world = await createWorld({ limits: { softOutboundBytes: 10, hardOutboundBytes: 20 } })
  const closes: [number, string][] = []
  const socket: SocketPort = {
    send() {},
    bufferedAmount: () => 100,
    close: (code, reason) => void closes.push([code, reason]),
  }
  const session = world.host.openSession({ user: { id: 'ann' }, socket })
  session.receive(JSON.stringify({ type: 'ping' }))
  await world.settle()
  t.same(closes, [[1013, 'slow consumer']])
})
