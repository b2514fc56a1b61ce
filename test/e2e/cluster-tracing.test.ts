/**
 * Tracing across two real nodes (issue 11, PROTOCOL.md section 9): both export OTLP/JSON to one
 * local receiver (test/support/otlp-receiver.ts). A message sent on n1 to a room owned by n2 is
 * one trace: n1's `frame send` and `link.send`, n2's `link.frame` and `room.broadcast`, with
 * n2's `room.commit` linked to it; X-Ray ids; room_id, user_id and node listed as annotations;
 * no message text and no token in anything exported. An upgrade carrying an ALB's
 * `X-Amzn-Trace-Id: Root=...` (no Parent) is in the ALB's trace, and so is its entry's hop.
 */
import t from 'tap'
import { ownerOf } from '../../actors/cluster/placement.ts'
import { Client, is } from '../support/client.ts'
import { Cluster } from '../support/cluster.ts'
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

let rx: OtlpReceiver
let cluster: Cluster
t.before(async () => {
  rx = await startOtlpReceiver()
  cluster = await Cluster.start({
    nodes: 2,
    env: {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      // Export every 100 ms (the default waits 5 s).
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  })
})
t.teardown(async () => {
  await cluster?.stop()
  await rx?.close()
})

/** The span matching `pred` once exported; the deadline only bounds a broken run. */
function arrived(what: string, pred: (s: ReceivedSpan) => boolean): Promise<ReceivedSpan> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const seen = rx.spans().map((s) => `${s.attributes.node} ${s.name} ${s.traceId}`)
      reject(new Error(`no ${what} exported; received: ${seen.join(', ')}`))
    }, 20_000)
  })
  return Promise.race([rx.span(pred), deadline]).finally(() => clearTimeout(timer))
}

function annotations(s: ReceivedSpan): string[] {
  return (s.attributes['aws.xray.annotations'] as string[] | undefined) ?? []
}

t.test('a message sent on n1 to a room owned by n2: one trace across both nodes, with the hop', async (t) => {
  const room = Array.from({ length: 100 }, (_, i) => `traced-${i}`).find((r) => ownerOf(r, ['n1', 'n2']) === 'n2')!
  t.equal(await cluster.owner(room), 'n2', `${room} is owned by n2`)
  const n1 = cluster.node('n1')

  // An ALB-style header: Root alone, no Parent; its time part is now, as an ALB's would be.
  const albTrace = `${Math.floor(Date.now() / 1000).toString(16)}${'a1b2c3d4e5f60718293a4b5c'}`
  const token = await cluster.token('alice')
  // The token in the query, as browsers send it: it must not reach any span.
  const alice = await Client.open(`${n1.ws}/ws/rooms/${room}?token=${token}`, {
    headers: { 'x-amzn-trace-id': `Root=1-${albTrace.slice(0, 8)}-${albTrace.slice(8)}` },
  })
  await alice.take(is('welcome'))
  const text = `secret words ${Math.random().toString(36).slice(2)}`
  alice.send({ type: 'send', id: 'k1', text })
  const ack = await alice.take(is('ack', { id: 'k1' }))
  await alice.take((f) => f.type === 'message' && (f.message as { seq?: number }).seq === ack.seq)

  const frame = await arrived('frame send on n1', (s) => s.name === 'frame send' && s.attributes.room_id === room)
  const inTrace = (name: string) =>
    arrived(`${name} in the frame's trace`, (s) => s.name === name && s.traceId === frame.traceId)
  const hop = await inTrace('link.send')
  const served = await inTrace('link.frame')
  const broadcast = await inTrace('room.broadcast')
  const commit = await arrived(
    'room.commit linked to the hop',
    (s) => s.name === 'room.commit' && s.links.some((l) => l.spanId === served.spanId),
  )

  t.match(frame, { kind: 2, attributes: { room_id: room, user_id: 'alice', node: 'n1' } }, 'frame send on n1')
  t.match(
    hop,
    { kind: 3, parentSpanId: frame.spanId, attributes: { room_id: room, node: 'n1', peer: 'n2' } },
    "link.send on n1, the frame span's child",
  )
  t.match(
    served,
    { kind: 2, parentSpanId: hop.spanId, attributes: { room_id: room, user_id: 'alice', node: 'n2', peer: 'n1' } },
    'link.frame on n2 continues the trace',
  )
  t.match(
    broadcast,
    { parentSpanId: served.spanId, attributes: { room_id: room, node: 'n2', seq: ack.seq, message_id: ack.messageId } },
    'room.broadcast on n2',
  )
  t.match(commit, { attributes: { room_id: room, node: 'n2' } }, 'room.commit on n2, its own trace linked to the hop')
  t.not(commit.traceId, frame.traceId)

  const trace = [frame, hop, served, broadcast]
  t.same(new Set(trace.map((s) => s.attributes.node)), new Set(['n1', 'n2']), 'both nodes in one trace')
  const started = parseInt(frame.traceId.slice(0, 8), 16)
  t.ok(
    Math.abs(started - Date.now() / 1000) < 300,
    `X-Ray trace id: the first 8 hex digits are epoch seconds (${started})`,
  )
  t.match(frame.traceId, /^[0-9a-f]{32}$/)
  for (const s of [...trace, commit]) {
    const listed = annotations(s)
    for (const key of ['room_id', 'node'])
      t.ok(listed.includes(key), `${s.name}: ${key} listed in aws.xray.annotations`)
    if (s.attributes.user_id !== undefined) t.ok(listed.includes('user_id'), `${s.name}: user_id listed`)
  }
  t.ok(
    annotations(broadcast).includes('message_id') && annotations(broadcast).includes('seq'),
    'room.broadcast: message_id and seq listed',
  )

  // The upgrade continues the ALB's trace (its Root adopted as the trace id), and so does the
  // entry's hop on both nodes; the frame span links to the upgrade.
  const upgrade = await arrived(
    'the upgrade span',
    (s) => s.name === 'HTTP GET /ws/rooms/:roomId' && s.traceId === albTrace,
  )
  t.match(
    upgrade,
    { parentSpanId: '', kind: 2, attributes: { 'http.status_code': 101 } },
    "the upgrade's span is a root in the ALB's trace",
  )
  t.equal(upgrade.attributes.node, 'n1', 'the upgrade span names the node that took it')
  t.ok(
    frame.links.some((l) => l.spanId === upgrade.spanId && l.traceId === albTrace),
    'frame send links to the upgrade',
  )
  const opening = await arrived(
    'link.open on n1',
    (s) => s.name === 'link.open' && s.traceId === albTrace && s.attributes.node === 'n1',
  )
  const opened = await arrived(
    'link.open on n2',
    (s) => s.name === 'link.open' && s.traceId === albTrace && s.attributes.node === 'n2',
  )
  t.equal(opening.parentSpanId, upgrade.spanId, "the entry's hop is the upgrade's child")
  t.equal(opened.parentSpanId, opening.spanId, 'the owner continues it')

  await alice.close()
  // Every export request so far, from both nodes, raw.
  const bodies = rx.requests.map((r) => r.body)
  t.ok(bodies.length > 1)
  t.notOk(
    bodies.some((b) => b.includes(token)),
    'no token in what was exported',
  )
  t.notOk(
    bodies.some((b) => b.includes('token=')),
    'no query string in what was exported',
  )
  t.notOk(
    bodies.some((b) => b.includes(text)),
    'no message text in what was exported',
  )
  const services = new Set(rx.spans().map((s) => s.resource['service.name']))
  t.same([...services], ['guildhall'], 'service.name from the default')
})
