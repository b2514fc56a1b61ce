/**
 * A local OTLP/HTTP metrics receiver for tests: keeps each export's body (the exporter sends
 * JSON); `hang` leaves requests unanswered (a collector that stopped responding).
 */
import { createServer } from 'node:http'

export interface MetricsReceiver {
  /** The full URL metrics are POSTed to (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT). */
  url: string
  bodies: { path: string; body: string }[]
  close(): Promise<void>
}

export async function startMetricsReceiver(opts: { hang?: boolean } = {}): Promise<MetricsReceiver> {
  const bodies: { path: string; body: string }[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') })
      if (!opts.hang) res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/v1/metrics`,
    bodies,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface DataPoint {
  asInt?: string | number
  asDouble?: number
  count?: string | number
  attributes?: unknown[]
}

interface OtlpMetricsDocument {
  resourceMetrics?: {
    scopeMetrics?: {
      metrics?: {
        name: string
        sum?: { dataPoints: DataPoint[] }
        histogram?: { dataPoints: DataPoint[] }
        gauge?: { dataPoints: DataPoint[] }
      }[]
    }[]
  }[]
}

/** The data points of one metric in the exports received (the last export holds the totals). */
export function points(bodies: { body: string }[], name: string): DataPoint[] {
  const last = bodies.at(-1)
  if (!last) return []
  const doc = JSON.parse(last.body) as OtlpMetricsDocument
  for (const rm of doc.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) if (m.name === name) return (m.sum ?? m.histogram ?? m.gauge)?.dataPoints ?? []
    }
  }
  return []
}

/** One sample's line of a Prometheus text exposition (not its # HELP / # TYPE lines). */
export function promSample(body: string, name: string): string | undefined {
  return body.split('\n').find((l) => l.startsWith(name) && !l.startsWith('#'))
}
