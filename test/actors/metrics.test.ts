// Metrics of the room runtime (docs/operations.md "Metrics"), recorded by the harness's MetricRecorder.
import t from 'tap'
import { countedChannel } from '../../actors/cluster/counted-channel.ts'
import type { LinkChannel } from '../../actors/cluster/ports.ts'
import { runtimeMetrics } from '../../actors/metrics.ts'
import { createWorld, MetricRecorder } from '../../actors/testing.ts'

const secret = 'do-not-count-this-text-4411'

t.test('a send: one message stored, one commit timed, a delivery per recipient; connections and rooms counted', async (t) => {
  const world = await createWorld({ metrics: true })
  const m = world.metrics!
  const ann = await world.connect('ann', { room: 'lobby' })
  await world.connect('bob', { room: 'lobby' })
  await world.connect('cat', { room: 'lobby' })
  t.equal(m.sum('guildhall.connections'), 3)
  t.equal(m.sum('guildhall.rooms.active'), 1)
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'k1', text: secret })
  await world.settle()
  await world.advance(40)
  release()
  await world.settle()
  t.ok(ann.last('ack'))
  t.equal(m.sum('guildhall.messages.stored'), 1)
  t.same(m.of('guildhall.commit.duration').map((x) => x.value), [40], 'the commit took 40 ms of virtual time')
  t.equal(m.sum('guildhall.deliveries'), 3, 'the message reached three connections')
  t.equal(m.instruments.get('guildhall.commit.duration')!.unit, 'ms')
  t.equal(m.instruments.get('guildhall.connections')!.kind, 'upDownCounter')
  await ann.disconnect()
  await world.settle()
  t.equal(m.sum('guildhall.connections'), 2, 'a closed connection is no longer counted')
  await world.evict('lobby')
  await world.settle()
  t.equal(m.sum('guildhall.rooms.active'), 0, 'an evicted room is no longer active')
  const all = JSON.stringify(m.measurements)
  t.notOk(all.includes(secret) || all.includes('lobby') || all.includes('ann'), 'no text, room id or user id in any attribute')
})

t.test('refusals are counted by code', async (t) => {
  const world = await createWorld({ metrics: true, limits: { maxTextLength: 10 } })
  const m = world.metrics!
  const ann = await world.connect('ann')
  ann.write({ type: 'send', room: 'elsewhere', id: 'x1', text: 'hi' })
  ann.write({ type: 'join', room: 'lobby' })
  await world.settle()
  ann.write({ type: 'send', room: 'lobby', id: 'x2', text: 'far too long for the limit' })
  await world.settle()
  t.equal(m.sum('guildhall.refusals', { code: 'not_joined' }), 1)
  t.equal(m.sum('guildhall.refusals', { code: 'too_long' }), 1, 'a refusal by the room counts too')
  t.equal(m.sum('guildhall.refusals'), ann.frames('error').length, 'one count per error frame sent')
})

t.test('a slow consumer cut is counted once', async (t) => {
  const world = await createWorld({ metrics: true, limits: { softOutboundBytes: 1000, hardOutboundBytes: 5000, readPauseBytes: 500 } })
  const m = world.metrics!
  const ann = await world.connect('ann', { room: 'lobby' })
  const slow = await world.connect('bob', { room: 'lobby' })
  slow.buffered = 6000
  ann.write({ type: 'send', id: 'k1', text: 'x' })
  ann.write({ type: 'send', id: 'k2', text: 'x' })
  await world.settle()
  t.ok(slow.terminated)
  t.equal(m.sum('guildhall.slow_consumers.closed'), 1)
  t.equal(m.sum('guildhall.connections'), 1)
})

t.test('a failed write counts a store error (operation append) and is still timed', async (t) => {
  const world = await createWorld({ metrics: true })
  const m = world.metrics!
  const ann = await world.connect('ann', { room: 'lobby' })
  world.faults.failNext(1, 'append')
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  await world.settle()
  t.match(ann.last('error'), { code: 'unavailable' })
  t.equal(m.sum('guildhall.store.errors', { operation: 'append' }), 1)
  t.equal(m.sum('guildhall.messages.stored'), 0)
  t.equal(m.of('guildhall.commit.duration').length, 1)
  t.equal(m.sum('guildhall.refusals', { code: 'unavailable' }), 1)
})

t.test('link traffic is counted by direction, in messages and UTF-8 bytes', async (t) => {
  const recorder = new MetricRecorder()
  const sent: string[] = []
  const raw: LinkChannel = {
    peer: 'b',
    send: (data) => void sent.push(data),
    bufferedAmount: () => 0,
    terminate() {},
    onMessage: () => {},
    onClose: () => {},
  }
  const channel = countedChannel(raw, runtimeMetrics(recorder))
  const got: string[] = []
  channel.onMessage = (data) => void got.push(data)
  channel.send('héllo')
  raw.onMessage('abc')
  t.same(sent, ['héllo'])
  t.same(got, ['abc'])
  t.equal(recorder.sum('guildhall.link.messages', { direction: 'out' }), 1)
  t.equal(recorder.sum('guildhall.link.bytes', { direction: 'out' }), 6)
  t.equal(recorder.sum('guildhall.link.messages', { direction: 'in' }), 1)
  t.equal(recorder.sum('guildhall.link.bytes', { direction: 'in' }), 3)
})

t.test('without metrics nothing is recorded and the runtime works as before', async (t) => {
  const world = await createWorld()
  t.equal(world.metrics, undefined)
  t.equal(world.host.metrics.enabled, false)
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.settle()
  t.ok(ann.last('ack'))
})
