/**
 * Metrics for the server, from the standard `OTEL_*` variables (docs/operations.md "Metrics").
 * Off by default: with `OTEL_METRICS_EXPORTER` unset or `none` this returns `metricsOff` and
 * nothing of OpenTelemetry's SDK is loaded (otel/metrics-sdk.ts is imported only when on).
 * `prometheus` serves `/metrics` on its own server (`OTEL_EXPORTER_PROMETHEUS_PORT`, default
 * 9464), never on the public port; `otlp` pushes over OTLP/HTTP. The same on Deno (its Node
 * compatibility runs the npm SDK and the node:http server: test/otel/deno-metrics.test.ts).
 */
import { noopMetrics, type Metrics } from '../actors/metrics.ts'
import type { Logger } from '../actors/ports.ts'
import type { Env } from './settings.ts'

export interface MetricsSetup {
  readonly enabled: boolean
  readonly metrics: Metrics
  /** With `prometheus`: the port `/metrics` is served on (the one bound, when 0 was asked). */
  readonly port?: number
  /** Exports what is pending (otlp) and stops the exporter (and its server). */
  shutdown(): Promise<void>
}

export const metricsOff: MetricsSetup = { enabled: false, metrics: noopMetrics, shutdown: async () => {} }

export class MetricsConfigError extends Error {
  override name = 'MetricsConfigError'
}

export type MetricsSettings =
  | { exporter: 'prometheus'; host: string | undefined; port: number; serviceName: string }
  | {
      exporter: 'otlp'
      url: string
      headers: Record<string, string>
      intervalMs: number
      timeoutMs: number
      serviceName: string
    }

/** `undefined`: metrics are off. Throws `MetricsConfigError` for a malformed variable. */
export function metricsSettings(env: Env): MetricsSettings | undefined {
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined
  const exporter = (value(env, 'OTEL_METRICS_EXPORTER') ?? 'none').toLowerCase()
  const serviceName = value(env, 'OTEL_SERVICE_NAME') ?? 'guildhall'
  if (exporter === 'none') return undefined
  if (exporter === 'prometheus') {
    const port = integer(env, 'OTEL_EXPORTER_PROMETHEUS_PORT', 9464)
    if (port > 65535) throw new MetricsConfigError(`OTEL_EXPORTER_PROMETHEUS_PORT: not a port: ${port}`)
    return { exporter, host: value(env, 'OTEL_EXPORTER_PROMETHEUS_HOST'), port, serviceName }
  }
  if (exporter === 'otlp') {
    const base = (value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://localhost:4318').replace(/\/+$/, '')
    return {
      exporter,
      url: value(env, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT') ?? `${base}/v1/metrics`,
      headers: headers(value(env, 'OTEL_EXPORTER_OTLP_METRICS_HEADERS') ?? value(env, 'OTEL_EXPORTER_OTLP_HEADERS')),
      intervalMs: integer(env, 'OTEL_METRIC_EXPORT_INTERVAL', 60_000),
      timeoutMs: integer(env, 'OTEL_METRIC_EXPORT_TIMEOUT', 30_000),
      serviceName,
    }
  }
  throw new MetricsConfigError(`OTEL_METRICS_EXPORTER: expected otlp, prometheus or none, got ${exporter}`)
}

export async function setupMetrics(env: Env, opts: { logger: Logger }): Promise<MetricsSetup> {
  const settings = metricsSettings(env)
  if (!settings) return metricsOff
  const { startMetrics } = await import('./metrics-sdk.ts')
  return startMetrics(settings, opts)
}

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim()
  return v ? v : undefined
}

function integer(env: Env, name: string, fallback: number): number {
  const v = value(env, name)
  if (v === undefined) return fallback
  if (!/^\d+$/.test(v)) throw new MetricsConfigError(`${name}: expected a whole number, got ${v}`)
  return Number(v)
}

/** `k=v,k2=v2` (W3C baggage style, values URL-encoded), as OpenTelemetry reads its headers. */
function headers(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of (text ?? '').split(',')) {
    const i = part.indexOf('=')
    if (i > 0) out[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim())
  }
  return out
}
