/**
 * Tracing on Deno (docs/operations.md "Tracing"): Deno's built-in OpenTelemetry (OTEL_DENO=true)
 * exports a span of its own for each request with the URL's query in `url.full` and
 * `url.query`, where a browser's token travels, and a later setAttribute adds to those
 * attributes rather than replacing them. So the server does not trace on Deno, and says why
 * when OTEL_DENO=true is set. The last assertion is a tripwire: when it fails, Deno no longer
 * exports the query and its OpenTelemetry can carry our spans.
 */
import t from 'tap'
import { Client, is } from '../support/client.ts'
import { startOtlpReceiver } from '../support/otlp-receiver.ts'
import { startChild } from '../support/server.ts'
import { uniq } from '../e2e/scenarios/util.ts'

t.test('Deno with OTEL_DENO=true: tracing_unavailable says its request spans export the token', async (t) => {
  const rx = await startOtlpReceiver()
  t.teardown(() => rx.close())
  const s = await startChild({
    runtime: 'deno',
    env: {
      OTEL_DENO: 'true',
      OTEL_DENO_CONSOLE: 'ignore',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
    },
  })
  let stopped = false
  t.teardown(() => (stopped ? undefined : s.terminate()))
  const warned = await s.logged((l) => l.event === 'tracing_unavailable' && String(l.reason).includes('OTEL_DENO'))
  t.match(warned.reason, /token/)
  const token = await s.token({ sub: 'alice' })
  const c = await Client.open(`${s.ws}/ws/rooms/${uniq('deno')}?token=${token}`)
  await c.take(is('welcome'))
  await c.close()
  t.equal(await s.terminate(), 0)
  stopped = true

  // Deno exports what it holds at exit.
  const own = await rx.span((x) => typeof x.attributes['url.full'] === 'string')
  t.notOk(
    rx.spans().some((x) => x.name.startsWith('HTTP ')),
    'none of our spans recorded',
  )
  t.ok(String(own.attributes['url.query']).includes(token), "tripwire: Deno's own request span still carries the query")
})
