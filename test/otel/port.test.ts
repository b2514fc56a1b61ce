/**
 * otel/port.ts asks the sampler before the SDK: a span the sampler drops costs no SDK span
 * (nothing started, nothing current around a commit) and still passes its trace on,
 * unsampled, to its children and the node link; a span it keeps is the SDK's, in the trace id
 * it was judged on, with its attributes and links.
 */
import t from 'tap'
import { context, trace, type Span as OtelSpan, type Tracer as OtelTracer } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import {
  TracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
} from '@opentelemetry/sdk-trace'
import { AdoptingIdGenerator } from '../../otel/id-generator.ts'
import { portTracer } from '../../otel/port.ts'
import { parseTraceparent } from '../../otel/traceparent.ts'

function setup(sampler: Sampler) {
  const ended: ReadableSpan[] = []
  const ids = new AdoptingIdGenerator()
  const provider = new TracerProvider({
    sampler,
    idGenerator: ids,
    spanProcessors: [
      { onStart() {}, onEnd: (s) => void ended.push(s), forceFlush: async () => {}, shutdown: async () => {} },
    ],
  })
  const sdk = provider.getTracer('test')
  let started = 0
  const counting: OtelTracer = {
    startSpan: (...a: Parameters<OtelTracer['startSpan']>) => {
      started++
      return sdk.startSpan(...a)
    },
    startActiveSpan: sdk.startActiveSpan.bind(sdk) as OtelTracer['startActiveSpan'],
  }
  return { tracer: portTracer(counting, ids, sampler), ended, started: () => started }
}

const manager = new AsyncLocalStorageContextManager().enable()
context.setGlobalContextManager(manager)
t.teardown(() => context.disable())

t.test('a span the sampler drops: no SDK span, its trace passed on unsampled', async (t) => {
  const { tracer, ended, started } = setup(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) }))
  const frame = tracer.startSpan('frame send', { kind: 'server', attributes: { room_id: 'lobby', user_id: 'alice' } })
  const parsed = parseTraceparent(frame.traceparent)
  t.equal(parsed?.kind, 'span')
  if (parsed?.kind !== 'span') return
  t.equal(parsed.context.traceFlags, 0, 'unsampled')
  t.match(parsed.context.traceId, /^[0-9a-f]{32}$/)
  const broadcast = tracer.startSpan('room.broadcast', { parent: frame.traceparent, attributes: { seq: 1 } })
  t.match(broadcast.traceparent, new RegExp(`^00-${parsed.context.traceId}-[0-9a-f]{16}-00$`), 'its child: same trace')
  const commit = tracer.startSpan('room.commit', { links: [frame.traceparent], attributes: { 'batch.size': 1 } })
  let active: OtelSpan | undefined = trace.getSpan(context.active())
  tracer.withActive!(commit, () => (active = trace.getSpan(context.active())))
  t.equal(active, undefined, 'nothing made current around a dropped commit')
  for (const s of [frame, broadcast, commit]) {
    s.setAttributes({ recipients: 3 })
    s.fail('x')
    s.end()
  }
  t.equal(started(), 0, 'the SDK started no span')
  t.equal(ended.length, 0)
})

t.test('a span the sampler keeps: the SDK span in the trace judged, attributes, links, current', async (t) => {
  const { tracer, ended, started } = setup(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(1) }))
  const up = tracer.startSpan('HTTP GET /ws', { kind: 'server' })
  const frame = tracer.startSpan('frame send', {
    kind: 'server',
    links: [up.traceparent],
    attributes: { room_id: 'r' },
  })
  const child = tracer.startSpan('room.broadcast', { parent: frame.traceparent, attributes: { seq: 1 } })
  let active: OtelSpan | undefined
  tracer.withActive!(child, () => (active = trace.getSpan(context.active())))
  t.ok(active, 'current inside withActive')
  // An ALB's Root alone: a root span in that trace.
  const alb = tracer.startSpan('HTTP GET /health', { parent: `00-${'ab'.repeat(16)}-${'0'.repeat(16)}-01` })
  for (const s of [child, frame, up, alb]) s.end()
  t.equal(started(), 4)
  const byName = new Map(ended.map((s) => [s.name, s]))
  const f = byName.get('frame send')!
  t.equal(`00-${f.spanContext().traceId}-${f.spanContext().spanId}-01`, frame.traceparent)
  t.equal(f.links[0]?.context.spanId, up.traceparent.split('-')[2], 'linked to the upgrade')
  t.match(f.attributes, { room_id: 'r' })
  t.same(f.attributes['aws.xray.annotations'], ['room_id'])
  const b = byName.get('room.broadcast')!
  t.equal(b.spanContext().traceId, f.spanContext().traceId)
  t.equal(b.parentSpanContext?.spanId, f.spanContext().spanId)
  t.equal(byName.get('HTTP GET /health')!.spanContext().traceId, 'ab'.repeat(16))
})
