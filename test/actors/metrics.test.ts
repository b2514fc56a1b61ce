// Metrics of the actors (docs/operations.md "Metrics"), recorded by the harness's MetricRecorder.
import t from 'tap'
import { countedChannel } from '../../actors/cluster/counted-channel.ts'
import { ownerOf } from '../../actors/cluster/placement.ts'
import type { LinkChannel } from '../../actors/cluster/ports.ts'
import { hostMetrics } from '../../actors/metrics.ts'
import { createWorld, MetricRecorder } from '../../actors/testing.ts'
import { recordingSocket, twoNodes } from '../support/two-nodes.ts'

const secret = 'do-not-count-this-text-4411'

t.test(
  'a send: one message stored, one commit timed, a delivery per recipient; connections and rooms counted',
  async (t) => {
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
    t.same(
      m.of('guildhall.commit.duration').map((x) => x.value),
      [40],
      'the commit took 40 ms of virtual time',
    )
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
    t.notOk(
      all.includes(secret) || all.includes('lobby') || all.includes('ann'),
      'no text, room id or user id in any attribute',
    )
  },
)

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
  const world = await createWorld({
    metrics: true,
    limits: { softOutboundBytes: 1000, hardOutboundBytes: 5000, readPauseBytes: 500 },
  })
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
  const channel = countedChannel(raw, hostMetrics(recorder))
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

t.test('without metrics nothing is recorded and the host works as before', async (t) => {
  const world = await createWorld()
  t.equal(world.metrics, undefined)
  t.equal(world.host.metrics.enabled, false)
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.settle()
  t.ok(ann.last('ack'))
})

t.test(
  'two nodes: a send on A to a room owned by B counts link traffic both ways, the message where it is stored',
  async (t) => {
    const { nodes, advance } = await twoNodes(() => {
      const metrics = new MetricRecorder()
      return { metrics, hostOptions: { metrics } }
    })
    const [a, b] = nodes
    const room = Array.from({ length: 100 }, (_, i) => `room${i}`).find((r) => ownerOf(r, ['n1', 'n2']) === 'n2')!
    const { port, frames } = recordingSocket()
    const session = a.host.openSession({ user: { id: 'ann' }, socket: port, room: { roomId: room } })
    await advance(100)
    session.receive(JSON.stringify({ type: 'send', id: 'k1', text: secret }))
    await advance(100)
    t.ok(
      frames.some((f) => f.type === 'ack'),
      'acked over the link',
    )

    const out = a.metrics.sum('guildhall.link.messages', { direction: 'out' })
    t.ok(out >= 2, 'A sent the open and the frame')
    t.equal(b.metrics.sum('guildhall.link.messages', { direction: 'in' }), out, 'B received what A sent')
    t.equal(
      b.metrics.sum('guildhall.link.bytes', { direction: 'in' }),
      a.metrics.sum('guildhall.link.bytes', { direction: 'out' }),
    )
    t.equal(
      a.metrics.sum('guildhall.link.messages', { direction: 'in' }),
      b.metrics.sum('guildhall.link.messages', { direction: 'out' }),
    )
    t.ok(
      a.metrics.sum('guildhall.link.messages', { direction: 'in' }) >= 3,
      'A received the opened, welcome, ack and message',
    )
    t.equal(a.metrics.sum('guildhall.connections'), 1, 'the client socket is on A')
    t.equal(b.metrics.sum('guildhall.connections'), 0)
    t.equal(b.metrics.sum('guildhall.rooms.active'), 1, 'the room lives on B')
    t.equal(a.metrics.sum('guildhall.rooms.active'), 0)
    t.equal(b.metrics.sum('guildhall.messages.stored'), 1)
    t.equal(a.metrics.sum('guildhall.messages.stored'), 0)
    t.equal(b.metrics.sum('guildhall.deliveries'), 1, "one delivery: the broadcast to A's link")
    for (const n of [a, b]) await n.cluster.close()
  },
)

t.test('store errors of other operations: loading a room, saving a read marker', async (t) => {
  const world = await createWorld({ metrics: true })
  const m = world.metrics!
  world.faults.failNext(1, 'loadRoom')
  const first = await world.connect('ann', { room: 'lobby' })
  await world.settle()
  t.match(first.last('error'), { code: 'unavailable' }, 'the room could not be loaded')
  t.equal(m.sum('guildhall.store.errors', { operation: 'load' }), 1)
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  await world.settle()
  world.faults.failNext(1, 'advanceReadMarker')
  ann.write({ type: 'read', seq: 1 })
  await world.settle()
  t.equal(m.sum('guildhall.store.errors', { operation: 'read_marker' }), 1)
  t.equal(m.sum('guildhall.store.errors'), 2, 'nothing else counted')
})
