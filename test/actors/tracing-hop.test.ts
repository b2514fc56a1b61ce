// The hop between nodes in traces (docs/operations.md "Spans"): the link carries the frame's
// span context (`tp`, checked strictly), and a message sent on one node to a room owned by
// another is one trace across both.
import t from 'tap'
import { decodeLink, encodeLink } from '../../actors/cluster/link-codec.ts'
import { ownerOf } from '../../actors/cluster/placement.ts'
import { SpanRecorder } from '../../actors/testing.ts'
import { recordingSocket, twoNodes } from '../support/two-nodes.ts'

const tp = '00-5f0e1a2b0000000000000000000000ab-00000000000000cd-01'

t.test('link headers: tp on open and frame, a traceparent exactly', async (t) => {
  for (const header of [
    { t: 'frame' as const, room: 'lobby', c: 1, tp },
    { t: 'open' as const, room: 'lobby', c: 1, user: 'ann', tp },
  ]) {
    const data = encodeLink(header, header.t === 'frame' ? '{"type":"ping"}' : undefined)
    const decoded = decodeLink(data)
    t.ok(decoded.ok, `${header.t} with tp`)
    if (decoded.ok) t.same(decoded.message.header, header)
  }
  const bad = [
    tp.toUpperCase(),
    tp.replace(/^00/, '01'),
    `${tp}0`,
    tp.slice(0, -1),
    '00-5f0e1a2b0000000000000000000000ab-00000000000000cd',
    '',
    `${tp}\n`,
  ]
  for (const value of bad) {
    const decoded = decodeLink(`${JSON.stringify({ t: 'frame', room: 'lobby', c: 1, tp: value })}\n{}`)
    t.notOk(decoded.ok, `refused: ${JSON.stringify(value)}`)
  }
  t.notOk(decodeLink(`${JSON.stringify({ t: 'frame', room: 'lobby', c: 1, tp: 7 })}\n{}`).ok, 'not a string')
  t.notOk(decodeLink(`${JSON.stringify({ t: 'leave', room: 'lobby', c: 1, tp })}`).ok, 'only open and frame carry one')
  t.notOk(decodeLink(`${JSON.stringify({ t: 'b', room: 'lobby', tp })}\n{}`).ok)
})

/** Two nodes, each with its own recorder (ids apart so the two never share one). */
const tracedNodes = () => twoNodes((_id, i, clock) => ({ tracer: new SpanRecorder(clock, (i + 1) * 1_000_000) }))

t.test('a message sent on node A to a room owned by node B is one trace across both, with the hop', async (t) => {
  const { nodes, advance } = await tracedNodes()
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]]
  const room = Array.from({ length: 100 }, (_, i) => `room${i}`).find((r) => ownerOf(r, ['n1', 'n2']) === 'n2')!
  t.equal(a.cluster.isLocal(room), false, 'the room lives on n2')
  const upgrade = '00-5f0e1a2b000000000000000000000abc-00000000000000aa-01'
  const ann = recordingSocket()
  const session = a.host.openSession({
    user: { id: 'ann' },
    socket: ann.port,
    room: { roomId: room },
    traceparent: upgrade,
  })
  await advance(100)
  t.equal(ann.frames[0]?.type, 'welcome', 'entered through the link')
  // The room socket's entry is part of its upgrade's trace, across the hop.
  const [opening] = a.tracer.byName('link.open')
  t.equal(opening!.kind, 'client')
  t.equal(opening!.traceId, upgrade.slice(3, 35), "in the upgrade's trace")
  t.equal(opening!.parentSpanId, upgrade.slice(36, 52))
  const [opened] = b.tracer.byName('link.open')
  t.equal(opened!.kind, 'server')
  t.equal(opened!.traceId, opening!.traceId)
  t.equal(opened!.parentSpanId, opening!.spanId, "the owner continues the entry's trace")
  t.match(opened!.attributes, { room_id: room, node: 'n2', user_id: 'ann', peer: 'n1' })
  t.ok(opening!.status.ok && opened!.status.ok)
  t.ok(opening!.end !== undefined && opened!.end !== undefined, 'both ended once the connection is in')
  session.receive(JSON.stringify({ type: 'send', id: 'k1', text: 'hello over there' }))
  await advance(100)
  const ack = ann.frames.find((f) => f.type === 'ack')
  t.ok(ack, 'acked')

  const [frame] = a.tracer.byName('frame send')
  t.same(frame!.links, [upgrade])
  t.match(frame!.attributes, { room_id: room, user_id: 'ann', node: 'n1' })
  t.not(frame!.end, undefined, 'ended at the ack, which came back over the link')
  const [hop] = a.tracer.byName('link.send')
  t.equal(hop!.kind, 'client')
  t.equal(hop!.parentSpanId, frame!.spanId, "the hop is the frame span's child")
  t.match(hop!.attributes, { room_id: room, node: 'n1', peer: 'n2' })

  const [served] = b.tracer.byName('link.frame')
  t.equal(served!.kind, 'server')
  t.equal(served!.traceId, frame!.traceId, 'the owner continues the trace')
  t.equal(served!.parentSpanId, hop!.spanId)
  t.match(served!.attributes, { room_id: room, node: 'n2', user_id: 'ann' })
  const [broadcast] = b.tracer.byName('room.broadcast')
  t.equal(broadcast!.traceId, frame!.traceId, 'the broadcast on n2 is in the same trace')
  t.equal(broadcast!.parentSpanId, served!.spanId)
  t.match(broadcast!.attributes, { node: 'n2', seq: ack!.seq, message_id: ack!.messageId, recipients: 1 })
  const [commit] = b.tracer.byName('room.commit')
  t.same(commit!.links, [`00-${served!.traceId}-${served!.spanId}-01`], 'the commit on n2 links to the hop')

  const trace = [...a.tracer.traceOf(frame!), ...b.tracer.traceOf(frame!)].map((s) => `${s.attributes.node} ${s.name}`)
  t.same(trace.sort(), ['n1 frame send', 'n1 link.send', 'n2 link.frame', 'n2 room.broadcast'].sort())
  t.same([...a.tracer.open(), ...b.tracer.open()], [], 'every span ended')
  const all = JSON.stringify([...a.tracer.spans, ...b.tracer.spans])
  t.notOk(all.includes('hello over there'), 'no message text in any span')
  for (const n of nodes) await n.host.drain()
})

t.test("a join over /ws: the entry's hop is a child of the join frame's span", async (t) => {
  const { nodes, advance } = await tracedNodes()
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]]
  const room = Array.from({ length: 100 }, (_, i) => `room${i}`).find((r) => ownerOf(r, ['n1', 'n2']) === 'n2')!
  const ann = recordingSocket()
  const session = a.host.openSession({ user: { id: 'ann' }, socket: ann.port })
  session.receive(JSON.stringify({ type: 'join', room }))
  await advance(100)
  t.equal(ann.frames[0]?.type, 'welcome')
  const [join] = a.tracer.byName('frame join')
  const [opening] = a.tracer.byName('link.open')
  t.equal(opening!.parentSpanId, join!.spanId)
  t.equal(b.tracer.byName('link.open')[0]!.traceId, join!.traceId)
  t.not(join!.end, undefined, 'the join span ended once entered')
  t.same([...a.tracer.open(), ...b.tracer.open()], [])
  for (const n of nodes) await n.host.drain()
})
