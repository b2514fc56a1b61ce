/**
 * Two real nodes (child processes, test/support/cluster.ts) exporting to one local OTLP
 * receiver: a message sent on node A to a room owned by node B arrives as ONE trace across
 * both processes, with the hop (docs/operations.md "Spans"): frame send (A) → link.send (A) →
 * link.frame (B) → room.broadcast (B).
 */
import t from 'tap'
import { Client, is } from '../support/client.ts'
import { Cluster } from '../support/cluster.ts'
import { startOtlpReceiver } from '../support/otlp-receiver.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

t.test('a message sent on one node to a room owned by another is one trace, with the hop', async (t) => {
  const rx = await startOtlpReceiver()
  t.teardown(() => rx.close())
  const cluster = await Cluster.start({
    nodes: 2,
    env: {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    },
  })
  t.teardown(() => cluster.stop())
  const room = 'traced-hop'
  const owner = await cluster.owner(room)
  const gateway = cluster.live.find((n) => n.id !== owner)!
  const token = await cluster.token('alice')
  const c = await Client.open(`${gateway.ws}/ws/rooms/${room}?token=${token}`)
  await c.take(is('welcome'))
  c.send({ type: 'send', id: 'm1', text: 'across nodes' })
  await c.take(is('ack', { id: 'm1' }))

  const send = await rx.span((s) => s.name === 'frame send' && s.attributes.room_id === room)
  const hop = await rx.span((s) => s.name === 'link.send' && s.parentSpanId === send.spanId)
  const arrival = await rx.span((s) => s.name === 'link.frame' && s.parentSpanId === hop.spanId)
  const broadcast = await rx.span((s) => s.name === 'room.broadcast' && s.traceId === send.traceId)
  for (const s of [hop, arrival, broadcast]) t.equal(s.traceId, send.traceId, `${s.name} in the send's trace`)
  t.equal(send.attributes.node, gateway.id, 'the frame handled on the gateway node')
  t.equal(arrival.attributes.node, owner, "the hop's other end on the owner")
  t.equal(broadcast.attributes.node, owner)
  t.ok((broadcast.attributes['aws.xray.annotations'] as string[]).includes('room_id'))
  for (const r of rx.requests) {
    t.notOk(r.body.includes(token), 'no token exported')
    t.notOk(r.body.includes('across nodes'), 'no message text exported')
  }
  await c.close()
})
