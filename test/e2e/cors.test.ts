/**
 * CORS on the HTTP API and the Origin check of WebSocket upgrades, one list (`CORS_ORIGINS`):
 * over real HTTP and WebSockets, in production (none by default), with a list, and in
 * development mode (any origin by default).
 */
import t from 'tap'
import WebSocket from 'ws'
import { Client, is } from '../support/client.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { mint } from '../support/tokens.ts'
import { ConfigError, loadConfig } from '../../src/config.ts'

const app = 'https://app.example.com'
const evil = 'https://evil.example'

async function request(s: InProcess, method: string, path: string, headers: Record<string, string>) {
  const res = await fetch(`${s.http}${path}`, { method, headers })
  const text = await res.text()
  return {
    status: res.status,
    headers: res.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  }
}

const preflight = (s: InProcess, origin: string, method = 'PUT') =>
  request(s, 'OPTIONS', '/admin/rooms/lobby', {
    origin,
    'access-control-request-method': method,
    'access-control-request-headers': 'authorization,content-type',
  })

/** Resolves the WebSocket's welcome, or rejects with the HTTP refusal. */
async function openWith(s: InProcess, token: string, headers: Record<string, string>): Promise<Client> {
  const c = await Client.open(`${s.ws}/ws/rooms/lobby`, { token, headers })
  await c.take(is('welcome'))
  return c
}

async function refusedWith(s: InProcess, token: string, headers: Record<string, string>) {
  try {
    const c = await openWith(s, token, headers)
    await c.close()
  } catch (err) {
    const e = err as { status?: number; body?: { error: string; message: string } }
    if (e.status) return { status: e.status, body: e.body }
    throw err
  }
  throw new Error('expected the upgrade to be refused')
}

t.test('production, CORS_ORIGINS unset: no origin is allowed, requests without Origin are', async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  const token = await s.token({ sub: 'alice' })

  const pre = await preflight(s, app)
  t.same([pre.status, pre.body?.error], [403, 'forbidden'], 'a preflight is refused with the JSON body')
  t.match(pre.body?.message, /CORS_ORIGINS/)
  t.equal(pre.headers.get('access-control-allow-origin'), null)
  const get = await request(s, 'GET', '/health', { origin: app })
  t.same(
    [get.status, get.headers.get('access-control-allow-origin')],
    [200, null],
    'a simple request is answered without CORS headers',
  )

  const ws = await refusedWith(s, token, { origin: evil })
  t.same(ws, {
    status: 403,
    body: { error: 'forbidden', message: `origin ${evil} may not open WebSockets here (CORS_ORIGINS)` },
  })
  await (await openWith(s, token, {})).close()
  t.pass('no Origin (a server-side client): allowed')
  await (await openWith(s, token, { origin: s.http })).close()
  t.pass("the server's own origin: allowed")
  t.ok(s.logs.some((l) => l.event === 'http_refused' && l.code === 'forbidden' && l.path === '/ws/rooms/lobby'))
})

t.test('CORS_ORIGINS lists origins: they get CORS headers and WebSockets, others do not', async (t) => {
  const s = await startInProcess({ env: { CORS_ORIGINS: `${app}, http://localhost:3000/` } })
  t.teardown(() => s.stop())
  const token = await s.token({ sub: 'alice' })

  const pre = await preflight(s, app)
  t.equal(pre.status, 204)
  t.equal(pre.headers.get('access-control-allow-origin'), app)
  t.match(pre.headers.get('access-control-allow-methods'), /PUT/)
  t.match(pre.headers.get('access-control-allow-headers'), /Authorization/)
  t.equal(pre.headers.get('access-control-max-age'), '600')
  t.match(pre.headers.get('vary'), /Origin/)
  t.equal(
    (await preflight(s, 'http://localhost:3000')).headers.get('access-control-allow-origin'),
    'http://localhost:3000',
    'a trailing slash in the list is fine',
  )

  const ok = await request(s, 'GET', '/rooms/lobby/messages', { origin: app, authorization: `Bearer ${token}` })
  t.same([ok.status, ok.headers.get('access-control-allow-origin')], [200, app])
  const unauthorized = await request(s, 'GET', '/rooms/lobby/messages', { origin: app })
  t.same(
    [unauthorized.status, unauthorized.headers.get('access-control-allow-origin')],
    [401, app],
    'a page can read the refusal',
  )
  const missing = await request(s, 'GET', '/nope', { origin: app })
  t.same([missing.status, missing.headers.get('access-control-allow-origin')], [404, app])
  const big = await fetch(`${s.http}/admin/rooms/lobby`, {
    method: 'PUT',
    headers: { origin: app },
    body: 'x'.repeat(s.limits.maxBodyBytes + 1),
  })
  t.same([big.status, big.headers.get('access-control-allow-origin')], [413, app], 'even a body refused unread')

  t.same([(await preflight(s, evil)).status], [403])
  t.equal((await request(s, 'GET', '/health', { origin: evil })).headers.get('access-control-allow-origin'), null)

  await (await openWith(s, token, { origin: app })).close()
  t.pass('an allowed origin opens a WebSocket')
  t.equal((await refusedWith(s, token, { origin: evil })).status, 403)
  t.equal((await refusedWith(s, token, { origin: 'null' })).status, 403, 'Origin: null (a sandboxed page)')
  const mux = await Client.open(`${s.ws}/ws`, { token, headers: { origin: evil } }).then(
    () => 'opened',
    (e: { status?: number }) => e.status,
  )
  t.equal(mux, 403, '/ws checks it too')
})

/** The handshake's answer headers: the 101's, or the refusal's. */
function handshakeHeaders(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.once('upgrade', (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers })
      ws.once('open', () => ws.close())
    })
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers })
      res.resume()
    })
    ws.once('error', reject)
  })
}

t.test(
  'an accepted upgrade carries no CORS headers (browsers apply none to WebSockets); a refused one does',
  async (t) => {
    const s = await startInProcess({ env: { CORS_ORIGINS: app } })
    t.teardown(() => s.stop())
    const token = await s.token({ sub: 'alice' })
    const url = `${s.ws}/ws/rooms/lobby?token=${token}`
    for (const headers of [{ origin: app }, {}] as Record<string, string>[]) {
      const accepted = await handshakeHeaders(url, headers)
      t.equal(accepted.status, 101)
      t.same(
        [accepted.headers['access-control-allow-origin'], accepted.headers.vary],
        [undefined, undefined],
        `no CORS work on the 101 (Origin: ${headers.origin ?? 'none'})`,
      )
    }
    const refused = await handshakeHeaders(`${s.ws}/ws/rooms/lobby`, { origin: app })
    t.same([refused.status, refused.headers['access-control-allow-origin']], [401, app], 'a page can read the refusal')
    t.match(refused.headers.vary, /Origin/)
  },
)

t.test('development mode: any origin by default', async (t) => {
  const s = await startInProcess({ env: { JWT_SECRET: '' } })
  t.teardown(() => s.stop())
  t.ok(s.gh.dev, 'development mode')
  const token = await mint({ secret: s.gh.dev!.secret, sub: 'dev-user' })
  const pre = await preflight(s, evil)
  t.same([pre.status, pre.headers.get('access-control-allow-origin')], [204, '*'])
  t.equal((await request(s, 'GET', '/health', { origin: evil })).headers.get('access-control-allow-origin'), '*')
  await (await openWith(s, token, { origin: 'http://localhost:5173' })).close()
  t.pass('a WebSocket from any origin')
})

t.test('CORS_ORIGINS is checked at start, naming the variable', async (t) => {
  const env = { JWT_SECRET: 'x'.repeat(32) }
  for (const bad of [
    'app.example.com',
    'https://app.example.com/path',
    'ftp://x.example',
    '*, https://a.example',
    'https://u:p@a.example',
  ]) {
    t.throws(() => loadConfig({ ...env, CORS_ORIGINS: bad }), { name: ConfigError.name, message: /CORS_ORIGINS/ }, bad)
  }
  t.same(loadConfig({ ...env, CORS_ORIGINS: 'https://A.example:443, http://b.example:8080' }).corsOrigins, [
    'https://a.example',
    'http://b.example:8080',
  ])
  t.equal(loadConfig({ ...env, CORS_ORIGINS: '*' }).corsOrigins, '*')
  t.equal(loadConfig(env).corsOrigins, undefined, 'unset: the default depends on the mode')
})
