/**
 * Run by Deno for test/otel/deno-sigv4.test.ts (not a test itself): the tracing setup for
 * X-Ray's OTLP endpoint (otel/sdk.ts: the SigV4 exporter, credentials from the default chain,
 * here the environment) pointed at the test's stand-in (RECEIVER_URL), one span exported;
 * then the exporter alone against an endpoint that is down (DOWN_URL). Prints its results as
 * JSON lines.
 */
import { ExportResultCode } from '@opentelemetry/core'
import { TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { CountingExporter, type ExportStats } from '../../otel/bounded.ts'
import { startTracing } from '../../otel/sdk.ts'
import { tracingSettings } from '../../otel/settings.ts'
import { SigV4Exporter } from '../../otel/sigv4-exporter.ts'

declare const Deno: { env: { get(name: string): string | undefined } }

const print = (line: Record<string, unknown>) => console.log(JSON.stringify(line))
const logger = { info: () => {}, warn: (event: string) => print({ event }), error: (event: string) => print({ event }) }

const settings = tracingSettings({
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://xray.eu-west-1.amazonaws.com/v1/traces',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
})!
print({ event: 'settings', sigv4: settings.sigv4 })
const tracing = await startTracing({ ...settings, url: Deno.env.get('RECEIVER_URL')! }, { logger })
tracing.tracer.startSpan('frame send', { attributes: { room_id: 'lobby' } }).end()
await tracing.shutdown()
print({ event: 'setup', ...tracing.stats() })

const stats: ExportStats = { exported: 0, dropped: 0 }
const down = new CountingExporter(
  new SigV4Exporter({
    url: Deno.env.get('DOWN_URL')!,
    region: 'eu-west-1',
    service: 'xray',
    credentials: async () => ({ accessKeyId: 'AKIDDOWN', secretAccessKey: 'secret' }),
    timeoutMs: 2_000,
  }),
  stats,
  () => {},
  () => {},
)
const spans: ReadableSpan[] = []
const provider = new TracerProvider({
  spanProcessors: [
    { onStart() {}, onEnd: (s) => void spans.push(s), forceFlush: async () => {}, shutdown: async () => {} },
  ],
})
provider.getTracer('test').startSpan('frame send').end()
provider.getTracer('test').startSpan('room.broadcast').end()
const result = await new Promise<{ code: number }>((resolve) => down.export(spans, resolve))
print({ event: 'down', failed: result.code === ExportResultCode.FAILED, ...stats })
