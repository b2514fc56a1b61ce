/**
 * The metrics port on OpenTelemetry's SDK (imported only when OTEL_METRICS_EXPORTER turns
 * metrics on; otel/metrics.ts). Its own MeterProvider, not the global one: nothing else in the
 * process is affected, and a second start in one process (tests) gets its own.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics'
import type { Metrics } from '../actors/metrics.ts'
import type { Logger } from '../actors/ports.ts'
import type { MetricsSettings, MetricsSetup } from './metrics.ts'

/** How long a drain waits for the last export. */
const shutdownBudgetMs = 5_000

export async function startMetrics(settings: MetricsSettings, opts: { logger: Logger }): Promise<MetricsSetup> {
  let reader: MetricReader
  let server: Server | undefined
  if (settings.exporter === 'prometheus') {
    // The exporter's own server cannot bind port 0 (it reads 0 as "unset"): serve its handler here.
    const exporter = new PrometheusExporter({ preventServerStart: true })
    server = createServer((req, res) => {
      if (req.method === 'GET' && new URL(req.url ?? '/', 'http://localhost').pathname === '/metrics')
        exporter.getMetricsRequestHandler(req, res)
      else res.writeHead(404).end()
    }).unref()
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject)
      server!.listen(settings.port, settings.host, () => resolve())
    })
    reader = exporter
  } else {
    reader = new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({
        url: settings.url,
        headers: settings.headers,
        timeoutMillis: settings.timeoutMs,
      }),
      exportIntervalMillis: settings.intervalMs,
      exportTimeoutMillis: Math.min(settings.timeoutMs, settings.intervalMs),
    })
  }
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    readers: [reader],
  })
  const meter = provider.getMeter('guildhall')
  const metrics: Metrics = {
    counter: (name, o) => meter.createCounter(name, o),
    upDownCounter: (name, o) => meter.createUpDownCounter(name, o),
    histogram: (name, o) => meter.createHistogram(name, o),
  }
  const port = server ? (server.address() as AddressInfo).port : undefined
  opts.logger.info('metrics_started', { exporter: settings.exporter, ...(port === undefined ? {} : { port }) })
  return {
    enabled: true,
    metrics,
    ...(port === undefined ? {} : { port }),
    async shutdown() {
      // The last export is bounded: a collector that hangs does not hold a drain.
      let timer: ReturnType<typeof setTimeout> | undefined
      const budget = new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${shutdownBudgetMs} ms`)), shutdownBudgetMs)
      })
      await Promise.race([provider.shutdown(), budget])
        .catch((err: unknown) => opts.logger.warn('metrics_shutdown_failed', { error: String(err) }))
        .finally(() => clearTimeout(timer))
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()))
    },
  }
}
