/**
 * Metrics of the real server (in process, on the Node adapter): with
 * OTEL_METRICS_EXPORTER=prometheus a send over a real socket shows in /metrics, scraped over
 * HTTP on the metrics port; the public port never serves /metrics; off by default.
 */
import { createServer } from 'node:net'
import t from 'tap'
import { metricsSettings } from '../../otel/metrics.ts'
import { Client, is } from '../support/client.ts'
import { points, promSample, startMetricsReceiver } from '../support/metrics-receiver.ts'
import { startInProcess } from '../support/server.ts'
import { say, uniq } from '../e2e/scenarios/util.ts'

/** A port free a moment ago (the exporter's own server is told it explicitly). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

t.test('prometheus: a send is counted and scraped on the metrics port; the public port has no /metrics', async (t) => {
  const port = await freePort()
  const s = await startInProcess({
    env: {
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(port),
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
    },
  })
  t.teardown(() => s.stop())
  t.equal(s.gh.metrics.port, port)
  const room = uniq('metrics')
  const text = 'never-in-metrics-5521'
  const c = await Client.open(`${s.ws}/ws/rooms/${room}?token=${await s.token({ sub: 'alice' })}`)
  t.teardown(() => c.close())
  await c.take(is('welcome'))
  await say(c, 'k1', text)
  await c.take(is('message'))
  c.send({ type: 'send', id: 'k2', text: 'x'.repeat(s.limits.maxTextLength + 1) })
  await c.take(is('error', { code: 'too_long' }))

  const res = await fetch(`http://127.0.0.1:${port}/metrics`)
  t.equal(res.status, 200)
  const body = await res.text()
  const sample = (name: string) => promSample(body, name)
  t.match(sample('guildhall_messages_stored'), /^guildhall_messages_stored\S*(\{[^}]*\})? 1$/m, 'one message stored')
  t.match(sample('guildhall_deliveries'), / 1$/, 'delivered to the one connection')
  t.match(sample('guildhall_connections'), / 1$/, 'one open connection')
  t.match(sample('guildhall_rooms_active'), / 1$/, 'one active room')
  t.match(body, /guildhall_commit_duration\S*_count\S* 1/, 'one commit timed')
  t.match(body, /guildhall_refusals\S*\{[^}]*code="too_long"[^}]*\} 1/, 'the refusal counted by code')
  t.notOk(body.includes(room) || body.includes('alice') || body.includes(text), 'no room id, user id or text')
  t.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404)

  const pub = await fetch(`${s.http}/metrics`)
  t.equal(pub.status, 404, 'the public port does not serve /metrics')
  await pub.body?.cancel()
})

t.test('off by default; a malformed setting is refused', async (t) => {
  t.equal(metricsSettings({}), undefined)
  t.equal(metricsSettings({ OTEL_METRICS_EXPORTER: 'none' }), undefined)
  t.match(metricsSettings({ OTEL_METRICS_EXPORTER: 'prometheus' }), { exporter: 'prometheus', port: 9464 })
  t.match(metricsSettings({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }), {
    exporter: 'otlp',
    url: 'http://c:4318/v1/metrics',
  })
  t.throws(() => metricsSettings({ OTEL_METRICS_EXPORTER: 'statsd' }), { name: 'MetricsConfigError' })
  t.throws(() => metricsSettings({ OTEL_METRICS_EXPORTER: 'prometheus', OTEL_EXPORTER_PROMETHEUS_PORT: 'x' }), {
    name: 'MetricsConfigError',
  })
  const s = await startInProcess()
  t.teardown(() => s.stop())
  t.equal(s.gh.metrics.enabled, false)
})

t.test('otlp: the drain exports the counts to the collector over OTLP/HTTP', async (t) => {
  const rx = await startMetricsReceiver()
  t.teardown(() => rx.close())
  const s = await startInProcess({
    env: { OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: rx.url },
  })
  let stopped = false
  t.teardown(() => (stopped ? undefined : s.stop()))
  const c = await Client.open(`${s.ws}/ws/rooms/${uniq('otlp')}?token=${await s.token({ sub: 'alice' })}`)
  await c.take(is('welcome'))
  await say(c, 'k1', 'never-exported-7730')
  await c.close()
  await s.stop()
  stopped = true
  t.ok(rx.bodies.length >= 1, 'exported at shutdown')
  t.equal(rx.bodies.at(-1)!.path, '/v1/metrics')
  const [stored] = points(rx.bodies, 'guildhall.messages.stored')
  t.equal(Number(stored?.asDouble ?? stored?.asInt), 1, 'one message stored')
  t.equal(Number(points(rx.bodies, 'guildhall.commit.duration')[0]?.count), 1)
  t.notOk(
    rx.bodies.some((b) => b.body.includes('never-exported') || b.body.includes('alice')),
    'no text, no user id',
  )
})

t.test('otlp: a collector that hangs neither slows chat nor holds the drain past its budget', async (t) => {
  const rx = await startMetricsReceiver({ hang: true })
  t.teardown(() => rx.close())
  const s = await startInProcess({
    env: {
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: rx.url,
      OTEL_METRIC_EXPORT_INTERVAL: '100',
      OTEL_METRIC_EXPORT_TIMEOUT: '60000',
    },
  })
  const c = await Client.open(`${s.ws}/ws/rooms/${uniq('hang')}?token=${await s.token({ sub: 'alice' })}`)
  await c.take(is('welcome'))
  await say(c, 'k1', 'one')
  while (rx.bodies.length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
  await say(c, 'k2', 'two')
  await c.close()
  // The export would hang for 60 s: the drain ending at all (within the test's timeout) and
  // the give-up logged show the 5 s budget held; no timing is asserted.
  await s.stop()
  t.ok(
    s.logs.some((l) => l.event === 'metrics_shutdown_failed' && String(l.error).includes('no answer within')),
    'the unfinished export is given up and logged',
  )
})
