// A client cannot grow the server's queues: every frame written passes the outbound caps,
// reading stops while replies are unread, a frame flood is cut, a slow consumer is cut once.
import t from 'tap'
import type { Logger } from '../../actors/ports.ts'
import { createWorld } from '../../actors/testing.ts'

function eventLog() {
  const events: string[] = []
  const logger: Logger = {
    info: (e) => void events.push(e),
    warn: (e) => void events.push(e),
    error: (e) => void events.push(e),
  }
  return { logger, count: (event: string) => events.filter((e) => e === event).length }
}

const caps = { softOutboundBytes: 1000, hardOutboundBytes: 5000, readPauseBytes: 500 }

t.test(
  "the session's own replies pass the outbound caps: a pong to a socket over the hard limit cuts it",
  async (t) => {
    const log = eventLog()
    const world = await createWorld({ limits: caps, logger: log.logger })
    const mux = await world.connect('ann')
    mux.buffered = 2000 // over soft: a pong is not droppable, it goes out
    mux.write({ type: 'ping' })
    await world.settle()
    t.equal(mux.frames('pong').length, 1)
    mux.buffered = 6000
    mux.write({ type: 'ping' })
    await world.settle()
    t.equal(mux.frames('pong').length, 1, 'nothing more queued on a socket over the hard limit')
    t.ok(mux.terminated, 'cut without a close handshake')
    t.equal(log.count('slow_consumer_closed'), 1)
  },
)

t.test('error replies (rate_limited) pass the outbound caps too', async (t) => {
  const world = await createWorld({ limits: { ...caps, sendBurst: 1 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.settle()
  ann.buffered = 6000
  ann.write({ type: 'send', id: 'k2', text: 'hi' })
  await world.settle()
  t.equal(ann.frames('error').length, 0, 'no rate_limited reply queued')
  t.ok(ann.terminated)
})

t.test('a slow consumer over the hard limit is cut at once and logged once', async (t) => {
  const log = eventLog()
  const world = await createWorld({ limits: caps, logger: log.logger })
  const ann = await world.connect('ann', { room: 'lobby' })
  const slow = await world.connect('bob', { room: 'lobby' })
  // Five messages stored in one write (they gather while k0 is written): five broadcasts
  // reach the slow socket in one event.
  const first = world.faults.stall('append')
  ann.write({ type: 'send', id: 'k0', text: 'x' })
  await world.settle()
  for (let i = 1; i <= 5; i++) ann.write({ type: 'send', id: `k${i}`, text: 'x' })
  const second = world.faults.stall('append')
  first()
  await world.settle()
  slow.buffered = 6000
  second()
  await world.settle()
  t.ok(slow.terminated)
  t.equal(slow.frames('message').length, 1, 'k0 only')
  t.equal(log.count('slow_consumer_closed'), 1, 'one decision, one log line')
  t.equal(ann.frames('ack').length, 6, 'the room goes on')
  t.same(world.host.activeRooms(), [{ room: 'lobby', connections: 1, users: 1 }], 'the room forgot the slow socket')
})

t.test('a frame flood is closed with 1008 "too many frames", on virtual time', async (t) => {
  const log = eventLog()
  const world = await createWorld({ limits: { frameBurst: 20, framesPerSecond: 5 }, logger: log.logger })
  const mux = await world.connect('ann')
  for (let i = 0; i < 20; i++) mux.write({ type: 'ping' })
  await world.advance(1000)
  for (let i = 0; i < 5; i++) mux.write({ type: 'ping' })
  await world.settle()
  t.equal(mux.closedWith, undefined, 'the burst and the refill rate are allowed')
  t.equal(mux.frames('pong').length, 25)
  mux.write({ type: 'ping' })
  await world.settle()
  t.match(mux.closedWith, { code: 1008, reason: 'too many frames' })
  t.equal(mux.frames('pong').length, 25, 'the frame over the rate is not answered')
  t.equal(log.count('frame_flood'), 1)
})

t.test('a socket whose replies are not drained is not read: pause past readPauseBytes', async (t) => {
  const world = await createWorld({ limits: caps })
  const mux = await world.connect('ann')
  mux.write({ type: 'ping' })
  await world.settle()
  t.equal(mux.pauses, 0, 'under readPauseBytes: reading goes on')
  mux.buffered = 600
  mux.write({ type: 'ping' })
  await world.settle()
  t.equal(mux.pauses, 1, 'over it: the socket is asked to stop reading until its queue drains')
  t.equal(mux.frames('pong').length, 2, 'the frame already read is still answered')
  t.equal(mux.closedWith, undefined)
})

t.test(
  'where reading cannot pause: 1008 after maxFramesWhileBacklogged frames while over readPauseBytes',
  async (t) => {
    const log = eventLog()
    const world = await createWorld({ limits: { ...caps, maxFramesWhileBacklogged: 3 }, logger: log.logger })
    const mux = await world.connect('ann', { pausable: false })
    mux.buffered = 600
    for (let i = 0; i < 3; i++) mux.write({ type: 'ping' })
    mux.buffered = 0 // the client read: the count starts again
    mux.write({ type: 'ping' })
    mux.buffered = 600
    for (let i = 0; i < 3; i++) mux.write({ type: 'ping' })
    await world.settle()
    t.equal(mux.closedWith, undefined)
    mux.write({ type: 'ping' })
    await world.settle()
    t.match(mux.closedWith, { code: 1008 })
    t.equal(mux.frames('pong').length, 7)
    t.equal(log.count('backlog_flood'), 1)
  },
)
