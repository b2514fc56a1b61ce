/**
 * The OpenTelemetry adapter (otel/) against a local OTLP/HTTP receiver that decodes what the
 * real exporter sends, JSON and protobuf: X-Ray ids, links, attributes listed as X-Ray
 * annotations, the incoming contexts it continues (traceparent, X-Amzn-Trace-Id with Parent,
 * an ALB's Root alone), and a dead endpoint costing counted spans, not errors.
 */
import t from 'tap'
import { createMemoryLogger } from '../support/memory-logger.ts'
import { setupTracing, tracingOff } from '../../otel/setup.ts'
import { tracingSettings, TracingConfigError } from '../../otel/settings.ts'
import { startOtlpReceiver } from '../support/otlp-receiver.ts'

const albRoot = '1-5759e988-bd862e3fe1be46a994272793'
const albTrace = '5759e988bd862e3fe1be46a994272793'
const w3cParent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'

t.test('settings: off unless OTEL_TRACES_EXPORTER says otlp or console; the documented defaults', async (t) => {
  t.equal(tracingSettings({}), undefined)
  t.equal(tracingSettings({ OTEL_TRACES_EXPORTER: 'none' }), undefined)
  t.equal(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }), undefined)
  t.match(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' }), {
    url: 'http://localhost:4318/v1/traces',
    protocol: 'http/protobuf',
    serviceName: 'guildhall',
    sampler: { kind: 'parentbased_always_on' },
    maxQueueSize: 2048,
  })
  t.equal(
    tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })?.url,
    'http://collector:4318/v1/traces',
  )
  const xray = 'https://xray.eu-west-1.amazonaws.com/v1/traces'
  t.equal(
    tracingSettings({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x:1',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: xray,
    })?.url,
    xray,
  )
  t.same(
    tracingSettings({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
    })?.sampler,
    {
      kind: 'parentbased_traceidratio',
      ratio: 0.01,
    },
  )
  t.same(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_HEADERS: 'a=1,b=x%20y' })?.headers, {
    a: '1',
    b: 'x y',
  })
  for (const env of [
    { OTEL_TRACES_EXPORTER: 'jaeger' },
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' },
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'sometimes' },
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' },
    { OTEL_TRACES_EXPORTER: 'otlp', OTEL_BSP_MAX_QUEUE_SIZE: '0' },
  ]) {
    t.throws(() => tracingSettings(env), TracingConfigError, JSON.stringify(env))
  }
})

t.test('tracing off: the noop port, nothing of the SDK loaded', async (t) => {
  const tracing = await setupTracing({}, { logger: createMemoryLogger() })
  // The SDK is imported only on the other branch (otel/setup.ts): returning the constant proves it was not.
  t.equal(tracing, tracingOff)
  t.equal(tracing.parentFrom(new Headers({ traceparent: w3cParent })), undefined)
})

for (const protocol of ['http/json', 'http/protobuf'] as const) {
  t.test(`${protocol}: X-Ray ids, parents, links, attributes and their annotation list, as exported`, async (t) => {
    const rx = await startOtlpReceiver()
    t.teardown(() => rx.close())
    const tracing = await setupTracing(
      {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_SERVICE_NAME: 'gh-test',
      },
      { logger: createMemoryLogger() },
    )
    const before = Math.floor(Date.now() / 1000)
    const upgrade = tracing.tracer.startSpan('HTTP GET /ws/rooms/:roomId', {
      kind: 'server',
      attributes: { 'http.method': 'GET', user_id: 'bob' },
    })
    const frame = tracing.tracer.startSpan('frame send', {
      kind: 'server',
      links: [upgrade.traceparent],
      attributes: { room_id: 'lobby' },
    })
    const commit = tracing.tracer.startSpan('room.commit', { parent: frame.traceparent })
    commit.setAttributes({ seq: 7, message_id: 'm1', batch_size: 1 })
    commit.fail('unavailable')
    for (const s of [commit, frame, upgrade]) s.end()
    await tracing.shutdown()
    const after = Math.floor(Date.now() / 1000)

    t.ok(rx.requests.every((r) => r.path === '/v1/traces'))
    t.match(rx.requests[0]?.contentType, protocol === 'http/json' ? /json/ : /protobuf/)
    const spans = rx.spans()
    t.equal(spans.length, 3)
    const byName = (name: string) => spans.find((s) => s.name === name)!
    const [u, f, c] = [byName('HTTP GET /ws/rooms/:roomId'), byName('frame send'), byName('room.commit')]
    for (const s of spans) {
      t.match(s.traceId, /^[0-9a-f]{32}$/)
      const epoch = parseInt(s.traceId.slice(0, 8), 16)
      t.ok(
        epoch >= before && epoch <= after,
        `X-Ray trace id: first 8 hex are the start in epoch seconds (${s.traceId})`,
      )
      t.equal(s.resource['service.name'], 'gh-test')
    }
    t.equal(u.kind, 2, 'server')
    t.not(f.traceId, u.traceId, 'a frame has its own trace...')
    t.same(f.links, [{ traceId: u.traceId, spanId: u.spanId }], '...linked to the upgrade')
    t.same([c.traceId, c.parentSpanId], [f.traceId, f.spanId], 'a child continues its parent')
    t.same(c.attributes, { seq: 7, message_id: 'm1', batch_size: 1, 'aws.xray.annotations': ['seq', 'message_id'] })
    t.same(u.attributes['aws.xray.annotations'], ['user_id'])
    t.same(c.status, { code: 2, message: 'unavailable' })
    t.same(tracing.stats(), { exported: 3, dropped: 0 })
  })
}

t.test(
  'incoming contexts: traceparent, X-Amzn-Trace-Id with Parent, an ALB Root alone (adopted as the trace id)',
  async (t) => {
    const rx = await startOtlpReceiver()
    t.teardown(() => rx.close())
    const tracing = await setupTracing(
      { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      { logger: createMemoryLogger() },
    )
    t.teardown(() => tracing.shutdown())
    const from = (headers: Record<string, string>) => tracing.parentFrom(new Headers(headers))

    t.equal(from({}), undefined)
    t.equal(from({ traceparent: w3cParent }), w3cParent)
    t.equal(
      from({ 'x-amzn-trace-id': `Root=${albRoot};Parent=53995c3f42cd8ad8;Sampled=1` }),
      `00-${albTrace}-53995c3f42cd8ad8-01`,
    )
    t.equal(
      from({ 'x-amzn-trace-id': `Root=${albRoot};Parent=53995c3f42cd8ad8;Sampled=0` }),
      `00-${albTrace}-53995c3f42cd8ad8-00`,
    )
    t.equal(
      from({ 'X-Amzn-Trace-Id': `Root=${albRoot};Parent=53995c3f42cd8ad8` }),
      `00-${albTrace}-53995c3f42cd8ad8-01`,
      'no Sampled: continued, sampled',
    )
    t.equal(
      from({ 'x-amzn-trace-id': `Root=${albRoot}` }),
      `00-${albTrace}-0000000000000000-01`,
      'the ALB form: the trace id alone',
    )
    t.equal(
      from({ 'x-amzn-trace-id': `Self=1-67891234-12456789abcdef012345678;Root=${albRoot}` }),
      `00-${albTrace}-0000000000000000-01`,
    )
    t.equal(
      from({ 'x-amzn-trace-id': `Root=${albRoot}`, traceparent: w3cParent }),
      w3cParent,
      'a real parent beats the Root alone',
    )
    for (const junk of [
      'Root=1-xyz',
      'Root=2-5759e988-bd862e3fe1be46a994272793',
      'garbage',
      'Root=1-00000000-000000000000000000000000',
    ]) {
      t.equal(from({ 'x-amzn-trace-id': junk }), undefined, junk)
    }
    t.equal(from({ traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' }), undefined)

    const alb = tracing.tracer.startSpan('alb', {
      kind: 'server',
      parent: from({ 'x-amzn-trace-id': `Root=${albRoot}` }),
    })
    const w3c = tracing.tracer.startSpan('w3c', { kind: 'server', parent: w3cParent })
    alb.end()
    w3c.end()
    t.match(alb.traceparent, new RegExp(`^00-${albTrace}-[0-9a-f]{16}-01$`))
    t.notMatch(alb.traceparent, /-0000000000000000-/)
    await tracing.shutdown()
    const spans = rx.spans()
    t.match(
      spans.find((s) => s.name === 'alb'),
      { traceId: albTrace, parentSpanId: '' },
      "a root span in the ALB's trace",
    )
    t.match(
      spans.find((s) => s.name === 'w3c'),
      { traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: 'b7ad6b7169203331' },
    )
  },
)

t.test('an endpoint that is down: spans dropped and counted, the queue bounded, nothing thrown', async (t) => {
  const rx = await startOtlpReceiver()
  await rx.close()
  const logger = createMemoryLogger()
  const tracing = await setupTracing(
    {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_BSP_MAX_QUEUE_SIZE: '10',
      OTEL_BSP_SCHEDULE_DELAY: '20',
      OTEL_EXPORTER_OTLP_TIMEOUT: '300',
    },
    { logger },
  )
  for (let i = 0; i < 50; i++) tracing.tracer.startSpan(`s${i}`).end()
  // At most one queue plus the batch in flight is held; the rest is refused at once.
  t.ok(tracing.stats().dropped >= 30, `dropped at once: ${tracing.stats().dropped}`)
  await tracing.shutdown()
  t.same(tracing.stats(), { exported: 0, dropped: 50 }, 'every span accounted for, none exported')
  t.ok(
    logger.lines.some((l) => l.event === 'trace_spans_dropped'),
    'the loss is logged (rate-limited)',
  )
})

t.test('one setup per process at a time (OpenTelemetry registers process-wide state)', async (t) => {
  const env = { OTEL_TRACES_EXPORTER: 'console' }
  const first = await setupTracing(env, { logger: createMemoryLogger() })
  await t.rejects(setupTracing(env, { logger: createMemoryLogger() }), /already set up/)
  await first.shutdown()
  const again = await setupTracing(env, { logger: createMemoryLogger() })
  await again.shutdown()
  // Two started at once: one wins, the other is refused (not both registered).
  const both = await Promise.allSettled([
    setupTracing(env, { logger: createMemoryLogger() }),
    setupTracing(env, { logger: createMemoryLogger() }),
  ])
  t.same(both.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
  for (const r of both) if (r.status === 'fulfilled') await r.value.shutdown()
})
