// The room and connection events of docs/operations.md "Logs", each with its level and fields,
// as operators see them. Mutation testing found every log call unchecked (any event name or
// field could change and the suite stayed green).
import t from 'tap'
import type { Logger } from '../../actors/ports.ts'
import { createWorld } from '../../actors/testing.ts'

type Line = { level: 'info' | 'warn' | 'error'; event: string; fields: Record<string, unknown> }

function capture() {
  const lines: Line[] = []
  const at =
    (level: Line['level']) =>
    (event: string, fields: Record<string, unknown> = {}) =>
      void lines.push({ level, event, fields })
  const logger: Logger = { info: at('info'), warn: at('warn'), error: at('error') }
  /** Every line of these events, in order (errors as their string, which holds the cause). */
  const of = (...events: string[]) => lines.filter((l) => events.includes(l.event))
  return { logger, lines, of }
}

t.test('activation, eviction and closing a room', async (t) => {
  const log = capture()
  const world = await createWorld({ logger: log.logger })
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.settle()
  await world.evict('lobby')
  t.same(log.of('room_activated', 'room_evicted'), [
    { level: 'info', event: 'room_activated', fields: { room: 'lobby', seq: 0 } },
    { level: 'info', event: 'room_evicted', fields: { room: 'lobby' } },
  ])
  await world.connect('bob', { room: 'lobby' })
  await world.connect('cyd', { room: 'lobby' })
  await world.admin.closeRoom('lobby')
  await world.settle()
  t.same(log.of('room_activated', 'room_closed'), [
    { level: 'info', event: 'room_activated', fields: { room: 'lobby', seq: 0 } },
    { level: 'info', event: 'room_activated', fields: { room: 'lobby', seq: 1 } },
    { level: 'info', event: 'room_closed', fields: { room: 'lobby', connections: 2 } },
  ])
  await world.host.drain()
  t.same(log.lines.at(-1), { level: 'info', event: 'drained', fields: {} })
})

t.test('store failures: activation, write, read marker, history', async (t) => {
  const log = capture()
  const world = await createWorld({ logger: log.logger, limits: { recentBufferSize: 2 } })
  world.faults.failNext(1, 'loadRoom')
  const refused = await world.connect('ann', { room: 'lobby' }).catch((err: Error) => err)
  t.ok(refused, 'the first entry is refused')
  const activation = log.of('room_activation_failed')
  t.equal(activation.length, 1)
  t.equal(activation[0]!.level, 'error')
  t.equal(activation[0]!.fields.room, 'lobby')
  t.match(activation[0]!.fields.error, /StoreFaultError/)
  const join = log.of('join_failed')
  t.equal(join.length, 1)
  t.equal(join[0]!.level, 'warn')
  t.same(Object.keys(join[0]!.fields).sort(), ['error', 'room', 'user'])
  t.equal(join[0]!.fields.room, 'lobby')
  t.equal(join[0]!.fields.user, 'ann')

  const ann = await world.connect('ann', { room: 'lobby' })
  world.faults.failNext(1, 'append')
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  await world.settle()
  const write = log.of('write_failed')
  t.equal(write.length, 1)
  t.equal(write[0]!.level, 'error')
  t.same(Object.keys(write[0]!.fields).sort(), ['error', 'room'])
  t.equal(write[0]!.fields.room, 'lobby')
  t.match(write[0]!.fields.error, /StoreFaultError/)

  for (const id of ['k2', 'k3', 'k4']) ann.write({ type: 'send', id, text: id })
  await world.settle()
  world.faults.failNext(1, 'advanceReadMarker')
  ann.write({ type: 'read', seq: 3 })
  await world.settle()
  const marker = log.of('read_marker_failed')
  t.equal(marker.length, 1)
  t.equal(marker[0]!.level, 'error')
  t.same(Object.keys(marker[0]!.fields).sort(), ['error', 'room', 'user'])
  t.same([marker[0]!.fields.room, marker[0]!.fields.user], ['lobby', 'ann'])

  world.faults.failNext(1, 'readPage')
  ann.write({ type: 'history', limit: 3 }) // the buffer holds 2: read from the store
  await world.settle()
  const history = log.of('history_failed')
  t.equal(history.length, 1)
  t.equal(history[0]!.level, 'error')
  t.same(Object.keys(history[0]!.fields).sort(), ['error', 'room'])
  t.equal(history[0]!.fields.room, 'lobby')
  t.same(ann.last('error'), {
    type: 'error',
    code: 'unavailable',
    room: 'lobby',
    message: 'history is unavailable; retry',
  })
})

t.test('refusal flood and too many connections', async (t) => {
  const log = capture()
  const world = await createWorld({ logger: log.logger, limits: { maxRefusals: 2, maxConnectionsPerUser: 1 } })
  const ann = await world.connect('ann')
  for (let i = 0; i < 3; i++) ann.write('not json')
  await world.settle()
  t.same(log.of('refusal_flood'), [{ level: 'warn', event: 'refusal_flood', fields: { user: 'ann' } }])
  t.same(ann.closedWith, { code: 1008, reason: 'too many refused frames' })
  await world.connect('bob')
  const second = await world.connect('bob')
  t.same(log.of('too_many_connections'), [
    { level: 'warn', event: 'too_many_connections', fields: { user: 'bob', max: 1 } },
  ])
  t.same(second.received, [{ type: 'error', code: 'limit_exceeded', message: 'at most 1 connections per user' }])
  t.same(second.closedWith, { code: 1008, reason: 'too many connections' })
})

t.test(
  'flow control: the close reasons and the events of a frame flood, a backlog flood and a slow consumer',
  async (t) => {
    const log = capture()
    const world = await createWorld({
      logger: log.logger,
      limits: {
        frameBurst: 3,
        framesPerSecond: 1,
        readPauseBytes: 500,
        maxFramesWhileBacklogged: 1,
        softOutboundBytes: 1000,
        hardOutboundBytes: 5000,
      },
    })
    const flood = await world.connect('ann')
    for (let i = 0; i < 4; i++) flood.write({ type: 'ping' })
    await world.settle()
    t.same(flood.closedWith, { code: 1008, reason: 'too many frames' })
    t.same(log.of('frame_flood'), [{ level: 'warn', event: 'frame_flood', fields: { user: 'ann', buffered: 0 } }])

    const deno = await world.connect('bob', { pausable: false })
    deno.buffered = 600
    deno.write({ type: 'ping' })
    deno.write({ type: 'ping' })
    await world.settle()
    t.same(deno.closedWith, { code: 1008, reason: 'too many frames while replies are unread' })
    t.same(log.of('backlog_flood'), [{ level: 'warn', event: 'backlog_flood', fields: { user: 'bob', buffered: 600 } }])

    const slow = await world.connect('cyd', { room: 'lobby' })
    slow.buffered = 6000
    slow.write({ type: 'send', id: 'k', text: 'hi' })
    await world.settle()
    t.ok(slow.terminated)
    t.same(log.of('slow_consumer_closed'), [
      { level: 'warn', event: 'slow_consumer_closed', fields: { user: 'cyd', room: 'lobby', buffered: 6000 } },
    ])
  },
)
