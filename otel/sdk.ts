/**
 * The OpenTelemetry SDK, loaded only when tracing is on (otel/setup.ts): NodeSDK with
 * X-Ray ids, a bounded batch processor in front of an OTLP/HTTP exporter (protobuf or JSON)
 * or the console, the configured sampler, and the W3C, X-Ray and ALB propagators.
 *
 * NodeSDK registers process-wide state (the global tracer provider, context manager and
 * propagator), so one tracing setup runs per process at a time; `shutdown` unregisters it.
 * Everything is configured explicitly from the settings: NodeSDK would otherwise start OTLP
 * metric and log exporters of its own by default, and read `process.env` rather than the
 * environment the server was given.
 *
 * The same code runs on Deno (npm packages, `npm run start:deno`'s permissions suffice; its
 * AsyncLocalStorage carries the context, and the AWS SDK instrumentation's hook sees the
 * AWS SDK loaded through Deno's npm support): test/otel/deno-sdk.test.ts.
 */
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, trace, type TextMapGetter } from '@opentelemetry/api'
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core'
import { AwsInstrumentation } from '@opentelemetry/instrumentation-aws-sdk'
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray'
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources'
import { NodeSDK } from '@opentelemetry/sdk-node'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace'
import { AlbRootPropagator, albRootKey } from './alb-propagator.ts'
import { BoundedProcessor, CountingExporter, type ExportStats, type LossReport } from './bounded.ts'
import { AdoptingIdGenerator } from './id-generator.ts'
import { RoomSampler } from './room-sampler.ts'
import { childrenOnly } from './children-only.ts'
import { portTracer } from './port.ts'
import type { SetupOptions, Tracing } from './setup.ts'
import type { TracingSettings } from './settings.ts'
import { rootOnlyTraceparent, toTraceparent } from './traceparent.ts'

/** Lost spans are logged at most this often (with the running count), never per span. */
const LOSS_LOG_INTERVAL_MS = 60_000
/** Concurrent export requests: with the endpoint hanging, memory stays this many batches. */
const EXPORT_CONCURRENCY = 4

let running = false

const headersGetter: TextMapGetter<Headers> = {
  keys: (headers) => {
    const keys: string[] = []
    headers.forEach((_, key) => {
      keys.push(key)
    })
    return keys
  },
  get: (headers, key) => headers.get(key) ?? undefined,
}

export async function startTracing(settings: TracingSettings, opts: SetupOptions): Promise<Tracing> {
  const spanExporter = await exporter(settings)
  // From the check to `running = true` nothing awaits: two setups cannot both pass it.
  if (running) throw new Error('tracing is already set up in this process (OpenTelemetry registers process-wide state)')
  const { logger } = opts
  const stats: ExportStats = { exported: 0, dropped: 0 }
  let lastLossLog = -Infinity
  const lost: LossReport = (reason, spans, error) => {
    const now = Date.now()
    if (now - lastLossLog < LOSS_LOG_INTERVAL_MS) return
    lastLossLog = now
    logger.warn('trace_spans_dropped', { reason, spans, dropped: stats.dropped, ...(error && { error }) })
  }
  const counting = new CountingExporter(spanExporter, stats, (n) => processor.handed(n), lost)
  const processor: BoundedProcessor = new BoundedProcessor(
    new BatchSpanProcessor({
      exporter: counting,
      maxQueueSize: settings.maxQueueSize,
      maxExportBatchSize: settings.maxExportBatchSize,
      scheduledDelayMillis: settings.scheduleDelayMs,
      exportTimeoutMillis: settings.exportTimeoutMs,
    }),
    settings.maxQueueSize,
    stats,
    lost,
  )
  const ids = new AdoptingIdGenerator()
  // Lowest priority first: a later propagator that finds its header overrides (a real parent
  // from traceparent or X-Ray beats an ALB's Root alone).
  const propagator = new CompositePropagator({
    propagators: [new AlbRootPropagator(), new AWSXRayPropagator(), new W3CTraceContextPropagator()],
  })
  const aws = new AwsInstrumentation({ suppressInternalInstrumentation: true })
  // TRACE_ROOMS: those rooms' spans sampled whatever the configured sampler says.
  const chosen =
    settings.traceRooms.length > 0 ? new RoomSampler(settings.traceRooms, sampler(settings)) : sampler(settings)
  const sdk = new NodeSDK({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': settings.serviceName })),
    autoDetectResources: false,
    spanProcessors: [processor],
    idGenerator: ids,
    sampler: chosen,
    textMapPropagator: propagator,
    // The AWS SDK's calls (DynamoDB's TransactWriteItems under room.commit): see childrenOnly.
    instrumentations: [aws],
    metricReaders: [],
    logRecordProcessors: [],
  })
  sdk.start()
  aws.setTracerProvider(childrenOnly(trace.getTracerProvider()))
  running = true
  const tracer = portTracer(trace.getTracer('guildhall'), ids, chosen)
  const budget = opts.shutdownBudgetMs ?? 5_000
  let stopped: Promise<void> | undefined

  return {
    enabled: true,
    tracer,
    parentFrom(headers) {
      const extracted = propagator.extract(ROOT_CONTEXT, headers, headersGetter)
      const parent = trace.getSpanContext(extracted)
      if (parent && isSpanContextValid(parent)) return toTraceparent(parent)
      const root = extracted.getValue(albRootKey)
      return typeof root === 'string' ? rootOnlyTraceparent(root) : undefined
    },
    stats: () => ({ ...stats }),
    shutdown: () =>
      (stopped ??= (async () => {
        let timer: ReturnType<typeof setTimeout> | undefined
        const late = new Promise<void>(
          (resolve) =>
            (timer = setTimeout(() => {
              logger.warn('trace_shutdown_failed', { reason: `spans still unexported after ${budget} ms; given up` })
              resolve()
            }, budget)),
        )
        try {
          const flushed = sdk
            .shutdown()
            .catch((error: unknown) => logger.warn('trace_shutdown_failed', { error }))
            .then(() => counting.settled())
          await Promise.race([flushed, late])
        } finally {
          clearTimeout(timer)
          trace.disable()
          context.disable()
          propagation.disable()
          running = false
        }
      })()),
  }
}

async function exporter(settings: TracingSettings): Promise<SpanExporter> {
  if (settings.exporter === 'console') return new ConsoleSpanExporter()
  if (settings.sigv4) {
    // X-Ray's OTLP endpoint: protobuf, signed per request from the default credential chain
    // (it caches credentials until they expire, so rotation is followed).
    const [{ SigV4Exporter }, { defaultProvider }] = await Promise.all([
      import('./sigv4-exporter.ts'),
      import('@aws-sdk/credential-provider-node'),
    ])
    return new SigV4Exporter({
      url: settings.url,
      region: settings.sigv4.region,
      service: settings.sigv4.service,
      credentials: defaultProvider(),
      headers: settings.headers,
      timeoutMs: settings.timeoutMs,
      concurrency: EXPORT_CONCURRENCY,
    })
  }
  const config = {
    url: settings.url,
    headers: settings.headers,
    timeoutMillis: settings.timeoutMs,
    concurrencyLimit: EXPORT_CONCURRENCY,
  }
  if (settings.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http')
    return new OTLPTraceExporter(config)
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto')
  return new OTLPTraceExporter(config)
}

function sampler({ sampler: s }: TracingSettings): Sampler {
  switch (s.kind) {
    case 'always_on':
      return new AlwaysOnSampler()
    case 'always_off':
      return new AlwaysOffSampler()
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(s.ratio)
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() })
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() })
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(s.ratio) })
  }
}
