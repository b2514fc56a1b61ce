/**
 * Tracing for the server, from the standard `OTEL_*` variables (docs/operations.md "Tracing").
 * Off by default: with `OTEL_TRACES_EXPORTER` unset or `none` this returns `tracingOff` and
 * nothing of OpenTelemetry's SDK is loaded (otel/sdk.ts is imported only when tracing is on,
 * as src/server.ts does for the DynamoDB store).
 */
import { noopTracer, type Tracer } from '../actors/tracing.ts'
import type { Logger } from '../actors/ports.ts'
import type { ExportStats } from './bounded.ts'
import { tracingSettings, type Env } from './settings.ts'

export interface Tracing {
  readonly enabled: boolean
  /** The port the actors and the HTTP layer record spans through. */
  readonly tracer: Tracer
  /**
   * The context an incoming request continues, as a `traceparent` for `startSpan`'s `parent`:
   * from W3C `traceparent`, or `X-Amzn-Trace-Id` with a `Parent`, or an ALB's `Root` alone
   * (then a root span in that trace); `undefined` when the request carries none.
   */
  parentFrom(headers: Headers): string | undefined
  /** Spans exported and spans lost (queue full, export failed) since the start. */
  stats(): ExportStats
  /** Exports what is queued (bounded in time: a dead collector does not hold a drain), then stops. */
  shutdown(): Promise<void>
}

export const tracingOff: Tracing = {
  enabled: false,
  tracer: noopTracer,
  parentFrom: () => undefined,
  stats: () => ({ exported: 0, dropped: 0 }),
  shutdown: async () => {},
}

export interface SetupOptions {
  logger: Logger
  /** How long `shutdown` waits for the last export. */
  shutdownBudgetMs?: number
}

const denoTokenLeak =
  "OTEL_DENO=true: Deno's own span for each request exports the URL's query, where a browser's token travels; unset OTEL_DENO"

/** Throws `TracingConfigError` for a malformed variable (the server then refuses to start). */
export async function setupTracing(env: Env, opts: SetupOptions): Promise<Tracing> {
  // Deno's built-in OpenTelemetry exports its own span per request with the URL's query, where
  // a browser's token travels (docs/operations.md): refused. Without it, Deno runs the same npm
  // SDK as Node (otel/sdk.ts), which records only our spans.
  const denoBuiltIn = 'Deno' in globalThis && env.OTEL_DENO?.trim().toLowerCase() === 'true'
  if (denoBuiltIn) opts.logger.warn('tracing_unavailable', { reason: denoTokenLeak })
  const settings = tracingSettings(env)
  if (!settings || denoBuiltIn) return tracingOff
  const { startTracing } = await import('./sdk.ts')
  return startTracing(settings, opts)
}
