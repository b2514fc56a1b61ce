/**
 * Tracing the real server (in process, on the Node adapter) into a local OTLP receiver: a
 * span per HTTP request and upgrade continuing the caller's trace, frame spans linked to the
 * upgrade, no token and no message text in anything exported, nothing exported when
 * OTEL_TRACES_EXPORTER is unset, and chat unaffected when the collector is down or hangs.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { tracingOff } from '../../otel/setup.ts'
import { Client, is } from '../support/client.ts'
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.ts'
import { startInProcess, tempDir, type InProcess } from '../support/server.ts'
import { http, say, uniq } from '../e2e/scenarios/util.ts'

const albTrace = '5759e988bd862e3fe1be46a994272793'
const albHeader = 'Root=1-5759e988-bd862e3fe1be46a994272793'
const callerTrace = '0af7651916cd43dd8448eb211c80319c'
const callerParent = `00-${callerTrace}-b7ad6b7169203331-01`

function traced(endpoint: string, more: Record<string, string> = {}) {
  return {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_EXPORTER_OTLP_TIMEOUT: '500',
    ...more,
  }
}

async function chat(s: InProcess, room: string, opts: { headers?: Record<string, string> } = {}) {
  const token = await s.token({ sub: 'alice' })
  // The token in the query, as browsers send it: it must not reach any span.
  const c = await Client.open(`${s.ws}/ws/rooms/${room}?token=${token}`, opts)
  await c.take(is('welcome'))
  return { c, token }
}

for (const protocol of ['http/json', 'http/protobuf']) {
  t.test(
    `${protocol}: request and upgrade spans, continued traces, frames linked to the upgrade, no token or text`,
    async (t) => {
      const rx = await startOtlpReceiver()
      t.teardown(() => rx.close())
      const s = await startInProcess({ env: traced(rx.url, { OTEL_EXPORTER_OTLP_PROTOCOL: protocol }) })
      let stopped = false
      t.teardown(() => (stopped ? undefined : s.stop()))

      const health = await fetch(`${s.http}/health`, { headers: { 'x-amzn-trace-id': albHeader } })
      t.equal(health.status, 200)
      const room = uniq('traced')
      const { c, token } = await chat(s, room, { headers: { traceparent: callerParent } })
      const text = `secret words ${uniq('text')}`
      await say(c, 'm1', text)
      t.equal((await http(s, 'GET', `/rooms/${room}/messages`)).status, 401, 'a refusal is traced too')
      await c.close()
      await s.stop()
      stopped = true

      const h = await rx.span((x) => x.name === 'HTTP GET /health')
      t.match(h, { traceId: albTrace, parentSpanId: '', kind: 2 }, "the ALB's Root adopted as the trace id")
      t.match(h.attributes, { 'http.method': 'GET', 'http.route': '/health', 'http.status_code': 200 })

      const up = await rx.span((x) => x.name === 'HTTP GET /ws/rooms/:roomId')
      t.match(
        up,
        { traceId: callerTrace, parentSpanId: 'b7ad6b7169203331', kind: 2 },
        "the caller's traceparent continued",
      )
      t.match(up.attributes, {
        'http.method': 'GET',
        'http.route': '/ws/rooms/:roomId',
        user_id: 'alice',
        room_id: room,
      })
      t.ok(
        (up.attributes['aws.xray.annotations'] as string[]).includes('room_id'),
        'the upgrade names its room (a sampler by room sees it)',
      )
      t.equal(up.attributes['http.status_code'], 101, 'the upgrade taken')
      t.ok(
        (up.attributes['aws.xray.annotations'] as string[]).includes('user_id'),
        'user_id listed as an X-Ray annotation',
      )

      const frame = await rx.span((x) => x.links.some((l) => l.spanId === up.spanId))
      t.not(frame.traceId, up.traceId, `a frame span (${frame.name}) in its own trace, linked to the upgrade`)

      const refused = await rx.span((x) => x.name === 'HTTP GET /rooms/:roomId/messages')
      t.equal(refused.attributes['http.status_code'], 401)
      t.equal(refused.status.code, 0, 'a 4xx is not a failed span')

      t.ok(rx.requests.length > 0)
      for (const r of rx.requests) {
        t.notOk(r.body.includes(token), 'no token in what was exported')
        t.notOk(r.body.includes('token='), 'no query string in what was exported')
        t.notOk(r.body.includes(text), 'no message text in what was exported')
      }
      t.same(s.gh.tracing.stats().dropped, 0)
    },
  )
}

t.test('OTEL_TRACES_EXPORTER unset: nothing exported, even with an endpoint configured', async (t) => {
  const rx = await startOtlpReceiver()
  t.teardown(() => rx.close())
  const s = await startInProcess({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_BSP_SCHEDULE_DELAY: '50' } })
  t.equal(s.gh.tracing, tracingOff)
  const { c } = await chat(s, uniq('untraced'), { headers: { traceparent: callerParent } })
  await say(c, 'm1', 'hello')
  t.equal((await fetch(`${s.http}/health`)).status, 200)
  await c.close()
  await s.stop()
  t.equal(rx.requests.length, 0)
})

/** Chat through a server whose collector is unusable; its queue holds 4 spans. */
async function chatThrough(t: Test, rx: OtlpReceiver) {
  const s = await startInProcess({ env: traced(rx.url, { OTEL_BSP_MAX_QUEUE_SIZE: '4' }) })
  let stopped = false
  t.teardown(() => (stopped ? undefined : s.stop()))
  const room = uniq('lossy')
  const { c } = await chat(s, room)
  const { c: bob } = await chat(s, room)
  for (let i = 0; i < 8; i++) await say(c, `m${i}`, `hello ${i}`)
  t.ok(
    await bob.take((f) => f.type === 'message' && (f.message as { text?: string }).text === 'hello 7'),
    'every message delivered',
  )
  t.equal((await fetch(`${s.http}/health`)).status, 200)
  await c.close()
  await bob.close()
  await s.stop()
  stopped = true
  const { exported, dropped } = s.gh.tracing.stats()
  t.equal(exported, 0)
  t.ok(dropped > 0, `spans dropped and counted: ${dropped}`)
  t.ok(s.logs.some((l) => l.event === 'trace_spans_dropped'))
}

t.test('the collector is down: chat answers, spans are dropped and counted', async (t) => {
  const rx = await startOtlpReceiver()
  await rx.close()
  await chatThrough(t, rx)
})

t.test('the collector hangs: chat answers, spans are dropped and counted', async (t) => {
  const rx = await startOtlpReceiver()
  t.teardown(() => rx.close())
  rx.hang()
  await chatThrough(t, rx)
})

t.test('a malformed OTEL_* variable stops the start; a start that fails later leaves no tracing behind', async (t) => {
  await t.rejects(startInProcess({ env: { OTEL_TRACES_EXPORTER: 'zipkin' } }), /OTEL_TRACES_EXPORTER/)
  const rx = await startOtlpReceiver()
  t.teardown(() => rx.close())
  // Tracing is set up first; the store then fails to open (a data directory under a file).
  const dir = tempDir()
  t.teardown(() => dir.remove())
  writeFileSync(join(dir.dir, 'file'), '')
  await t.rejects(startInProcess({ env: { ...traced(rx.url), DATA_DIR: join(dir.dir, 'file', 'data') } }), /DATA_DIR/)
  const s = await startInProcess({ env: traced(rx.url) })
  t.teardown(() => s.stop())
  t.equal(s.gh.tracing.enabled, true, 'the next start in this process sets tracing up again')
})
