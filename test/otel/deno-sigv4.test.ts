/**
 * The SigV4 exporter on Deno (test/otel/sigv4-exporter.test.ts on Node): Deno runs
 * test/support/deno-sigv4-export.ts, the tracing setup for X-Ray's OTLP endpoint with the
 * default credential chain (from the environment) pointed at a local stand-in. What arrives
 * decodes as OTLP protobuf and carries a SigV4 signature recomputed here from the spec
 * (test/support/sigv4.ts) with the environment's secret; an endpoint that is down fails the
 * export, counted, nothing thrown.
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'
import { startOtlpReceiver } from '../support/otlp-receiver.ts'
import { parseAuthorization, sigv4Signature } from '../support/sigv4.ts'

const root = new URL('../..', import.meta.url).pathname
const secretAccessKey = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'

t.test(
  'Deno: spans to X-Ray signed with SigV4 from the default credential chain; a dead endpoint counted',
  async (t) => {
    const rx = await startOtlpReceiver()
    t.teardown(() => rx.close())
    const down = await startOtlpReceiver()
    await down.close()
    const child = spawn(
      'deno',
      ['run', '--allow-net', '--allow-env', '--allow-read', '--allow-sys', 'test/support/deno-sigv4-export.ts'],
      {
        cwd: root,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
          RECEIVER_URL: `${rx.url}/v1/traces`,
          DOWN_URL: `${down.url}/v1/traces`,
          AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
          AWS_SECRET_ACCESS_KEY: secretAccessKey,
          AWS_SESSION_TOKEN: 'token-from-env',
        },
      },
    )
    const lines: Record<string, unknown>[] = []
    const stderr: string[] = []
    createInterface({ input: child.stderr! }).on('line', (l) => stderr.push(l))
    createInterface({ input: child.stdout! }).on('line', (l) => {
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>)
      } catch {
        stderr.push(l)
      }
    })
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    t.equal(code, 0, stderr.join('\n'))
    const line = (event: string) => lines.find((l) => l.event === event)
    t.same(line('settings')?.sigv4, { region: 'eu-west-1', service: 'xray' }, 'the X-Ray endpoint is signed')
    t.match(line('setup'), { exported: 1, dropped: 0 })
    t.match(line('down'), { failed: true, exported: 0, dropped: 2 }, 'the dead endpoint: both spans counted lost')

    t.equal(rx.requests.length, 1)
    const req = rx.requests[0]!
    t.equal(req.contentType, 'application/x-protobuf', 'protobuf, whatever OTEL_EXPORTER_OTLP_PROTOCOL says')
    t.same(
      req.spans.map((s) => s.name),
      ['frame send'],
      'the body decodes as OTLP protobuf',
    )
    t.equal(req.headers['x-amz-security-token'], 'token-from-env')
    const auth = parseAuthorization(req.headers.authorization)
    t.ok(auth, String(req.headers.authorization))
    if (!auth) return
    t.equal(auth.keyId, 'AKIDFROMENV')
    t.same(auth.scope.slice(1), ['eu-west-1', 'xray'])
    for (const name of ['host', 'x-amz-date', 'content-type', 'x-amz-security-token'])
      t.ok(auth.signedHeaders.includes(name), `${name} signed`)
    t.equal(
      auth.signature,
      sigv4Signature({
        headers: req.headers,
        signedHeaders: auth.signedHeaders,
        path: '/v1/traces',
        body: req.body,
        scope: auth.scope,
        host: String(req.headers.host),
        secretAccessKey,
      }),
      'the signature is SigV4 of what was sent',
    )
  },
)
