/**
 * Metrics on the Deno server (`start:deno`'s command) with the same npm SDK as on Node
 * (otel/metrics-sdk.ts): a send over a real socket shows on the Prometheus port's /metrics,
 * never on the public port, and the drain pushes the counts over OTLP/HTTP; no room id, user
 * id or text in either (test/otel/metrics.test.ts on Node).
 */
import t from 'tap'
import { Client, is } from '../support/client.ts'
import { points, promSample, startMetricsReceiver } from '../support/metrics-receiver.ts'
import { startChild } from '../support/server.ts'
import { say, uniq } from '../e2e/scenarios/util.ts'

t.test('Deno, prometheus: a send is counted and scraped on the metrics port, not the public one', async (t) => {
  const s = await startChild({
    runtime: 'deno',
    env: {
      OTEL_METRICS_EXPORTER: 'prometheus',
      OTEL_EXPORTER_PROMETHEUS_PORT: '0',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
    },
  })
  let stopped = false
  t.teardown(() => (stopped ? undefined : s.terminate()))
  t.notOk(
    s.lines.some((l) => l.event === 'metrics_unavailable'),
    'no metrics_unavailable',
  )
  const started = await s.logged((l) => l.event === 'metrics_started')
  t.match(started, { exporter: 'prometheus', port: Number })
  const metricsUrl = `http://127.0.0.1:${started.port}`

  const room = uniq('denometrics')
  const text = 'never-in-metrics-6613'
  const c = await Client.open(`${s.ws}/ws/rooms/${room}?token=${await s.token({ sub: 'alice' })}`)
  await c.take(is('welcome'))
  await say(c, 'k1', text)
  await c.take(is('message'))
  c.send({ type: 'send', id: 'k2', text: 'x'.repeat(s.limits.maxTextLength + 1) })
  await c.take(is('error', { code: 'too_long' }))

  const res = await fetch(`${metricsUrl}/metrics`)
  t.equal(res.status, 200)
  const body = await res.text()
  t.match(promSample(body, 'guildhall_messages_stored'), /^guildhall_messages_stored\S*(\{[^}]*\})? 1$/m)
  t.match(promSample(body, 'guildhall_deliveries'), / 1$/, 'delivered to the one connection')
  t.match(promSample(body, 'guildhall_connections'), / 1$/, 'one open connection')
  t.match(promSample(body, 'guildhall_rooms_active'), / 1$/, 'one active room')
  t.match(body, /guildhall_commit_duration\S*_count\S* 1/, 'one commit timed')
  t.match(body, /guildhall_refusals\S*\{[^}]*code="too_long"[^}]*\} 1/, 'the refusal counted by code')
  t.notOk(body.includes(room) || body.includes('alice') || body.includes(text), 'no room id, user id or text')
  t.equal((await fetch(`${metricsUrl}/other`)).status, 404)
  const pub = await fetch(`${s.http}/metrics`)
  t.equal(pub.status, 404, 'the public port does not serve /metrics')
  await pub.body?.cancel()

  await c.close()
  t.equal(await s.terminate(), 0, 'drains and exits cleanly with the metrics server open')
  stopped = true
})

t.test('Deno, otlp: the drain exports the counts to the collector over OTLP/HTTP', async (t) => {
  const rx = await startMetricsReceiver()
  t.teardown(() => rx.close())
  const s = await startChild({
    runtime: 'deno',
    env: { OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: rx.url },
  })
  let stopped = false
  t.teardown(() => (stopped ? undefined : s.terminate()))
  const c = await Client.open(`${s.ws}/ws/rooms/${uniq('denootlp')}?token=${await s.token({ sub: 'alice' })}`)
  await c.take(is('welcome'))
  await say(c, 'k1', 'never-exported-4471')
  await c.close()
  t.equal(await s.terminate(), 0)
  stopped = true
  t.ok(rx.bodies.length >= 1, 'exported at the drain')
  t.equal(rx.bodies.at(-1)!.path, '/v1/metrics')
  const [stored] = points(rx.bodies, 'guildhall.messages.stored')
  t.equal(Number(stored?.asDouble ?? stored?.asInt), 1, 'one message stored')
  t.equal(Number(points(rx.bodies, 'guildhall.commit.duration')[0]?.count), 1)
  t.notOk(
    rx.bodies.some((b) => b.body.includes('never-exported') || b.body.includes('alice')),
    'no text, no user id',
  )
})
