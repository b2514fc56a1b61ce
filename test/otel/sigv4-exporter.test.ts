/**
 * otel/sigv4-exporter.ts: spans to X-Ray's OTLP endpoint, signed with SigV4. A local plain-HTTP
 * receiver stands in for X-Ray (the exporter is pointed at it while signing as X-Ray's host);
 * the signature is recomputed from the SigV4 spec (test/support/sigv4.ts, not with the signer
 * the exporter uses), the body decodes as OTLP protobuf, and a dead or hanging endpoint costs
 * counted spans through the same counting exporter as the OTLP exporters, never a throw.
 */
import t from 'tap'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { CountingExporter, type ExportStats } from '../../otel/bounded.ts'
import { SigV4Exporter, xrayRegion } from '../../otel/sigv4-exporter.ts'
import { tracingSettings } from '../../otel/settings.ts'
import { startTracing } from '../../otel/sdk.ts'
import { createMemoryLogger } from '../support/memory-logger.ts'
import { startOtlpReceiver } from '../support/otlp-receiver.ts'
import { sigv4Signature } from '../support/sigv4.ts'

const credentials = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-1',
}
const clock = new Date('2026-11-30T12:34:56Z')
const host = 'xray.eu-west-1.amazonaws.com'

function spans(names: string[]): ReadableSpan[] {
  const out: ReadableSpan[] = []
  const provider = new TracerProvider({
    spanProcessors: [
      {
        onStart() {},
        onEnd: (s: ReadableSpan) => void out.push(s),
        forceFlush: async () => {},
        shutdown: async () => {},
      },
    ],
  })
  const tracer = provider.getTracer('test')
  for (const name of names) tracer.startSpan(name, { attributes: { room_id: 'GUILD#raiders' } }).end()
  return out
}

function exportOnce(exporter: { export: CountingExporter['export'] }, batch: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(batch, resolve))
}

t.test('settings: X-Ray OTLP endpoints are recognized by host, their region taken from it', async (t) => {
  t.equal(xrayRegion('https://xray.eu-west-1.amazonaws.com/v1/traces'), 'eu-west-1')
  t.equal(xrayRegion('http://xray.eu-west-1.amazonaws.com/v1/traces'), undefined, 'only https')
  t.equal(xrayRegion('http://localhost:4318/v1/traces'), undefined)
  t.same(
    tracingSettings({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://xray.us-east-2.amazonaws.com/v1/traces',
    })?.sigv4,
    {
      region: 'us-east-2',
      service: 'xray',
    },
  )
  t.same(
    tracingSettings({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://xray.us-east-2.amazonaws.com',
    })?.sigv4,
    {
      region: 'us-east-2',
      service: 'xray',
    },
  )
  t.equal(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' })?.sigv4, undefined, 'a collector: unsigned')
})

t.test('a batch is POSTed as OTLP protobuf, signed with SigV4 for xray with the session token', async (t) => {
  const rx = await startOtlpReceiver()
  t.teardown(() => rx.close())
  const exporter = new SigV4Exporter({
    url: `${rx.url}/v1/traces`,
    signingHost: host,
    region: 'eu-west-1',
    credentials: async () => credentials,
    timeoutMs: 5_000,
    now: () => clock,
  })
  const result = await exportOnce(exporter, spans(['frame send', 'room.broadcast']))
  t.equal(result.code, ExportResultCode.SUCCESS)
  t.equal(rx.requests.length, 1)
  const req = rx.requests[0]!
  t.equal(req.path, '/v1/traces')
  t.equal(req.contentType, 'application/x-protobuf')
  t.same(req.spans.map((s) => s.name).sort(), ['frame send', 'room.broadcast'], 'the body decodes as OTLP protobuf')
  t.equal(req.spans[0]!.attributes.room_id, 'GUILD#raiders')
  t.equal(req.headers['x-amz-date'], '20261130T123456Z')
  t.equal(req.headers['x-amz-security-token'], credentials.sessionToken)
  const auth = String(req.headers.authorization)
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth)
  t.ok(m, auth)
  const scope = m![1]!.split('/')
  t.same(scope, ['AKIDEXAMPLE', '20261130', 'eu-west-1', 'xray', 'aws4_request'])
  const signed = m![2]!.split(';')
  for (const name of ['host', 'x-amz-date', 'content-type', 'x-amz-security-token'])
    t.ok(signed.includes(name), `${name} signed`)
  t.equal(
    m![3],
    sigv4Signature({
      headers: req.headers,
      signedHeaders: signed,
      path: '/v1/traces',
      body: req.body,
      scope: scope.slice(1),
      host,
      secretAccessKey: credentials.secretAccessKey,
    }),
    'the signature is SigV4 of what was sent',
  )
})

t.test('credentials are asked for per request (rotated credentials are used)', async (t) => {
  const rx = await startOtlpReceiver()
  t.teardown(() => rx.close())
  let n = 0
  const exporter = new SigV4Exporter({
    url: `${rx.url}/v1/traces`,
    signingHost: host,
    region: 'eu-west-1',
    credentials: async () => ({ ...credentials, accessKeyId: `AKID${++n}` }),
    timeoutMs: 5_000,
  })
  await exportOnce(exporter, spans(['a']))
  await exportOnce(exporter, spans(['b']))
  t.match(String(rx.requests[0]!.headers.authorization), /Credential=AKID1\//)
  t.match(String(rx.requests[1]!.headers.authorization), /Credential=AKID2\//)
})

t.test('an endpoint down or hanging, or credentials missing: failed exports, counted, nothing thrown', async (t) => {
  const down = await startOtlpReceiver()
  await down.close()
  const hung = await startOtlpReceiver()
  t.teardown(() => hung.close())
  hung.hang()
  const stats: ExportStats = { exported: 0, dropped: 0 }
  const losses: string[] = []
  const counting = (url: string, creds: () => Promise<typeof credentials>) =>
    new CountingExporter(
      new SigV4Exporter({ url, signingHost: host, region: 'eu-west-1', credentials: creds, timeoutMs: 200 }),
      stats,
      () => {},
      (reason, n) => void losses.push(`${reason}:${n}`),
    )
  const results = await Promise.all([
    exportOnce(
      counting(`${down.url}/v1/traces`, async () => credentials),
      spans(['a', 'b']),
    ),
    exportOnce(
      counting(`${hung.url}/v1/traces`, async () => credentials),
      spans(['c']),
    ),
    exportOnce(
      counting(`${hung.url}/v1/traces`, () =>
        Promise.reject(new Error('Could not load credentials from any providers')),
      ),
      spans(['d']),
    ),
    // A credential source that never answers (instance metadata unreachable): the same deadline.
    exportOnce(
      counting(`${hung.url}/v1/traces`, () => new Promise(() => {})),
      spans(['e']),
    ),
  ])
  t.same(
    results.map((r) => r.code),
    [ExportResultCode.FAILED, ExportResultCode.FAILED, ExportResultCode.FAILED, ExportResultCode.FAILED],
  )
  t.same(stats, { exported: 0, dropped: 5 })
  t.same(losses.sort(), ['export_failed:1', 'export_failed:1', 'export_failed:1', 'export_failed:2'])
  t.equal(hung.requests.length, 0, 'nothing answered')
})

t.test('at most `concurrency` requests in flight: a batch past it fails at once', async (t) => {
  const hung = await startOtlpReceiver()
  t.teardown(() => hung.close())
  hung.hang()
  const exporter = new SigV4Exporter({
    url: `${hung.url}/v1/traces`,
    signingHost: host,
    region: 'eu-west-1',
    credentials,
    timeoutMs: 1_000,
    concurrency: 2,
  })
  const pending = [exportOnce(exporter, spans(['a'])), exportOnce(exporter, spans(['b']))]
  const third = await exportOnce(exporter, spans(['c']))
  t.equal(third.code, ExportResultCode.FAILED)
  t.match(third.error?.message, /in flight/)
  await Promise.all(pending)
})

t.test(
  'the setup: an X-Ray endpoint exports through this exporter, signed with the default credential chain (here the environment)',
  async (t) => {
    const rx = await startOtlpReceiver()
    t.teardown(() => rx.close())
    const saved = {
      id: process.env.AWS_ACCESS_KEY_ID,
      secret: process.env.AWS_SECRET_ACCESS_KEY,
      token: process.env.AWS_SESSION_TOKEN,
    }
    process.env.AWS_ACCESS_KEY_ID = 'AKIDFROMENV'
    process.env.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey
    process.env.AWS_SESSION_TOKEN = 'token-from-env'
    t.teardown(() => {
      for (const [name, v] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
        ['AWS_SESSION_TOKEN', saved.token],
      ] as const) {
        if (v === undefined) delete process.env[name]
        else process.env[name] = v
      }
    })
    const settings = tracingSettings({
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://xray.eu-west-1.amazonaws.com/v1/traces',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    })!
    // The same settings, sent to the local stand-in (the signed host is then the stand-in's).
    const tracing = await startTracing({ ...settings, url: `${rx.url}/v1/traces` }, { logger: createMemoryLogger() })
    tracing.tracer.startSpan('frame send', { attributes: { room_id: 'lobby' } }).end()
    await tracing.shutdown()
    t.same(tracing.stats(), { exported: 1, dropped: 0 })
    const req = rx.requests[0]!
    t.equal(req.contentType, 'application/x-protobuf', 'protobuf, whatever OTEL_EXPORTER_OTLP_PROTOCOL says')
    t.same(
      req.spans.map((s) => s.name),
      ['frame send'],
    )
    t.match(
      String(req.headers.authorization),
      /^AWS4-HMAC-SHA256 Credential=AKIDFROMENV\/\d{8}\/eu-west-1\/xray\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    )
    t.equal(req.headers['x-amz-security-token'], 'token-from-env')
  },
)
