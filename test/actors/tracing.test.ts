// Spans of the actors (docs/operations.md "Spans"), recorded by the harness's SpanRecorder.
import t from 'tap'
import { createWorld, SpanRecorder, type RecordedSpan } from '../../actors/testing.ts'
import { noopTracer } from '../../actors/tracing.ts'

const upgrade = '00-5f0e1a2b000000000000000000000abc-00000000000000aa-01'
const secret = 'do-not-trace-this-text-7319'

function spanId(span: RecordedSpan): string {
  return `00-${span.traceId}-${span.spanId}-01`
}

t.test('a send: frame send linked to the upgrade, a commit linked to it, a broadcast in its trace', async (t) => {
  const world = await createWorld({ tracer: true })
  const spans = world.spans!
  const ann = await world.connect('ann', { room: 'lobby', traceparent: upgrade })
  await world.connect('bob', { room: 'lobby' })
  await world.connect('cat', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: secret })
  await world.settle()
  const ack = ann.last('ack')!

  const [frame, ...more] = spans.byName('frame send')
  t.equal(more.length, 0, 'one span for the one send frame')
  t.equal(frame!.kind, 'server')
  t.same(frame!.links, [upgrade], 'linked to the upgrade span, not a child of it')
  t.not(frame!.traceId, upgrade.slice(3, 35), 'its own trace')
  t.equal(frame!.parentSpanId, undefined)
  t.match(frame!.attributes, { room_id: 'lobby', user_id: 'ann' })
  t.equal(frame!.attributes.guild_id, undefined, 'a general room has no guild')
  t.ok(frame!.status.ok)
  t.not(frame!.end, undefined, 'ended at the ack')
  t.equal(frame!.traceId.slice(0, 8), Math.floor(world.clock.now() / 1000).toString(16), 'X-Ray style trace id')

  const [commit] = spans.byName('room.commit')
  t.equal(commit!.kind, 'internal')
  t.match(commit!.attributes, { room_id: 'lobby', 'batch.size': 1, 'seq.first': ack.seq, 'seq.last': ack.seq })
  t.same(commit!.links, [spanId(frame!)], 'the commit links to the send it stored')
  t.ok(commit!.status.ok)

  const [broadcast] = spans.byName('room.broadcast')
  t.match(broadcast!.attributes, {
    room_id: 'lobby',
    seq: ack.seq,
    message_id: ack.messageId,
    user_id: 'ann',
    recipients: 3,
  })
  t.equal(broadcast!.traceId, frame!.traceId, "the broadcast is in the send's trace")
  t.equal(broadcast!.parentSpanId, frame!.spanId)

  t.same(spans.open(), [], 'every span ended')
  const all = JSON.stringify(spans.spans)
  t.notOk(all.includes(secret), 'no message text in any span')
})

t.test('other frames end at dispatch; a refusal marks the frame span failed', async (t) => {
  const world = await createWorld({ tracer: true })
  const spans = world.spans!
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'lobby' })
  ann.write({ type: 'ping' })
  ann.write({ type: 'typing', room: 'lobby', active: true })
  ann.write({ type: 'send', room: 'elsewhere', id: 'x1', text: secret })
  await world.settle()
  t.same(
    spans.byName('frame join').map((s) => [s.attributes.room_id, s.status.ok]),
    [['lobby', true]],
  )
  t.equal(spans.byName('frame ping').length, 1)
  t.equal(spans.byName('frame typing').length, 1)
  const [refused] = spans.byName('frame send')
  t.same(refused!.status, { ok: false, message: 'not_joined' })
  t.same(spans.open(), [])
  t.notOk(JSON.stringify(spans.spans).includes(secret))
})

t.test('guild rooms carry the bare guild id', async (t) => {
  const world = await createWorld({ tracer: true })
  await world.store.putGuildMember('raiders', 'ann')
  const ann = await world.connect('ann', { room: 'GUILD#raiders' })
  ann.write({ type: 'send', id: 'g1', text: 'hi' })
  await world.settle()
  for (const name of ['frame send', 'room.commit', 'room.broadcast']) {
    t.match(world.spans!.byName(name)[0]!.attributes, { room_id: 'GUILD#raiders', guild_id: 'raiders' }, name)
  }
})

t.test('a failed write marks its commit failed, and the send span with the refusal', async (t) => {
  const world = await createWorld({ tracer: true })
  const spans = world.spans!
  const ann = await world.connect('ann', { room: 'lobby' })
  world.faults.failNext(1, 'append')
  ann.write({ type: 'send', id: 'k1', text: 'lost' })
  await world.settle()
  t.equal(ann.last('error')?.code, 'unavailable')
  const [commit] = spans.byName('room.commit')
  t.equal(commit!.status.ok, false, 'the commit failed')
  t.equal(spans.byName('room.broadcast').length, 0, 'nothing broadcast')
  t.same(spans.byName('frame send')[0]!.status, { ok: false, message: 'unavailable' })
  t.same(spans.open(), [])
})

t.test('group commit: one commit span for five sends, with five links', async (t) => {
  const world = await createWorld({ tracer: true, limits: { sendBurst: 100 } })
  const spans = world.spans!
  const ann = await world.connect('ann', { room: 'lobby' })
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'first', text: 'one' })
  await world.settle()
  for (let i = 0; i < 5; i++) ann.write({ type: 'send', id: `k${i}`, text: `m${i}` })
  await world.settle()
  release()
  await world.settle()
  const commits = spans.byName('room.commit')
  t.same(
    commits.map((c) => c.attributes['batch.size']),
    [1, 5],
  )
  const sends = spans.byName('frame send').slice(1)
  t.same(commits[1]!.links, sends.map(spanId), 'linked to each send of its batch, in order')
  t.same(commits[1]!.attributes['seq.first'], 2)
  t.same(commits[1]!.attributes['seq.last'], 6)
  const broadcasts = spans.byName('room.broadcast')
  t.equal(broadcasts.length, 6, 'one broadcast span per message')
  t.same(
    broadcasts.slice(1).map((b) => b.traceId),
    sends.map((s) => s.traceId),
    "each in its send's trace",
  )
  t.same(spans.open(), [])
})

t.test('a send span does not outlive its socket', async (t) => {
  const world = await createWorld({ tracer: true })
  const spans = world.spans!
  const ann = await world.connect('ann', { room: 'lobby' })
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'k1', text: 'pending' })
  await world.settle()
  t.equal(spans.byName('frame send')[0]!.end, undefined, 'open while unanswered')
  await ann.disconnect()
  const send = spans.byName('frame send')[0]!
  t.not(send.end, undefined, 'ended when the socket closed')
  t.equal(send.attributes.answered, false)
  release()
  await world.settle()
  t.same(spans.open(), [], 'the commit ends when its write does')
})

t.test('without a tracer nothing is recorded, and frames carry no trace', async (t) => {
  const world = await createWorld()
  t.equal(world.spans, undefined)
  t.equal(world.host.tracer, noopTracer)
  const recorder = new SpanRecorder(world.clock)
  const traced = await createWorld({ tracer: recorder })
  t.equal(traced.spans, recorder, "a recorder given is the world's spans")
})

t.test('a send resent after a move keeps its span: the commit where the room lives next links to it', async (t) => {
  const world = await createWorld({ tracer: true })
  const spans = world.spans!
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'lobby' })
  await world.settle()
  const release = world.faults.stall('append')
  ann.write({ type: 'send', room: 'lobby', id: 'k0', text: 'first' })
  await world.settle()
  const handOff = world.handOff('lobby')
  await world.settle()
  ann.write({ type: 'send', room: 'lobby', id: 'k1', text: 'second' }) // left to the session: the room is leaving
  await world.settle()
  release()
  await handOff
  await world.settle()
  t.same(
    ann.frames('ack').map((a) => a.id),
    ['k0', 'k1'],
  )
  const k1 = spans.byName('frame send')[1]!
  const commits = spans.byName('room.commit')
  t.equal(commits.length, 2, 'one commit on each actor')
  t.same(commits[1]!.links, [spanId(k1)], "the new actor's commit links to the resent send")
  t.ok(k1.status.ok)
  t.not(k1.end, undefined, 'ended at its ack from the new actor')
  t.same(spans.open(), [])
})
