import t, { type Test } from 'tap'
import { Refusal } from '../../actors/protocol/errors.ts'
import { resolveLimits } from '../../actors/limits.ts'
import { FakeAdmin, FakeHost } from '../../test/support/fake-host.ts'
import { adminToken, mint, testSecret, unsigned } from '../../test/support/tokens.ts'
import { createVerifier } from '../auth/verify.ts'
import { createMemoryLogger } from '../../test/support/memory-logger.ts'
import { createApp, type Upgrade } from './app.ts'
import { Lifecycle } from './lifecycle.ts'
import { openSocketSession, type SessionHandoff, truncateReason } from './socket-bridge.ts'

function setup() {
  const host = new FakeHost()
  const admin = new FakeAdmin()
  const logger = createMemoryLogger()
  const lifecycle = new Lifecycle()
  const upgrades: SessionHandoff[] = []
  const upgradeWebSocket: Upgrade = async (_c, handoff) => {
    upgrades.push(handoff)
    return new Response(null, { headers: { 'x-upgraded': 'yes' } })
  }
  const app = createApp({
    host,
    admin,
    auth: createVerifier({ secret: testSecret }),
    config: { limits: resolveLimits() },
    logger,
    upgradeWebSocket,
    lifecycle,
  })
  return { app, host, admin, logger, lifecycle, upgrades }
}

const ws = { upgrade: 'websocket', connection: 'Upgrade' }
const bearer = async (opts = {}) => ({ authorization: `Bearer ${await mint(opts)}` })

async function expectError(t: Test, res: Response, status: number, code: string) {
  t.equal(res.status, status, `status ${status}`)
  t.match(res.headers.get('content-type'), /application\/json/)
  const body = (await res.json()) as Record<string, unknown>
  t.equal(body.error, code)
  t.type(body.message, 'string')
}

t.test('health and readiness', async (t) => {
  const { app, lifecycle } = setup()
  t.same(await (await app.request('/health')).json(), { status: 'ok' })
  t.equal((await app.request('/ready')).status, 200)
  lifecycle.startDraining()
  await expectError(t, await app.request('/ready'), 503, 'unavailable')
  t.equal((await app.request('/health')).status, 200, 'still alive while draining')
})

t.test('unknown endpoint: 404 not_found with the JSON body', async (t) => {
  const { app } = setup()
  await expectError(t, await app.request('/nope'), 404, 'not_found')
})

t.test('GET /ws/rooms/:roomId refusals, before any upgrade', async (t) => {
  const { app, host, upgrades, lifecycle } = setup()
  const h = { ...ws, ...(await bearer()) }
  await expectError(t, await app.request('/ws/rooms/lobby', { headers: ws }), 401, 'unauthorized')
  await expectError(
    t,
    await app.request('/ws/rooms/lobby', { headers: { ...ws, authorization: `Bearer ${unsigned()}` } }),
    401,
    'unauthorized',
  )
  await expectError(
    t,
    await app.request('/ws/rooms/lobby', { headers: { ...ws, ...(await bearer({ exp: 1 })) } }),
    401,
    'unauthorized',
  )
  await expectError(t, await app.request('/ws/rooms/bad.room', { headers: h }), 400, 'invalid_room')
  await expectError(t, await app.request(`/ws/rooms/${'x'.repeat(65)}`, { headers: h }), 400, 'invalid_room')
  await expectError(t, await app.request('/ws/rooms/GUILD%23', { headers: h }), 400, 'invalid_room')
  await expectError(t, await app.request('/ws/rooms/lobby%2Fx', { headers: h }), 400, 'invalid_room')
  await expectError(t, await app.request('/ws/rooms/lobby?since=abc', { headers: h }), 400, 'invalid_request')
  await expectError(t, await app.request('/ws/rooms/lobby?since=-1', { headers: h }), 400, 'invalid_request')
  host.access.set('GUILD#g', { ok: false, code: 'forbidden' })
  await expectError(t, await app.request('/ws/rooms/GUILD%23g', { headers: h }), 403, 'forbidden')
  host.access.set('ghost', { ok: false, code: 'not_found' })
  await expectError(t, await app.request('/ws/rooms/ghost', { headers: h }), 404, 'not_found')
  host.access.set('busy', { ok: false, code: 'unavailable' })
  await expectError(t, await app.request('/ws/rooms/busy', { headers: h }), 503, 'unavailable')
  await expectError(t, await app.request('/ws/rooms/lobby', { headers: await bearer() }), 400, 'invalid_request')
  lifecycle.startDraining()
  await expectError(t, await app.request('/ws/rooms/lobby', { headers: h }), 503, 'unavailable')
  t.equal(upgrades.length, 0, 'nothing was upgraded')
  t.equal(host.sessions.length, 0)
})

t.test('GET /ws/rooms/:roomId upgrades and binds a session', async (t) => {
  const { app, host, upgrades, logger } = setup()
  const exp = Math.floor(Date.now() / 1000) + 100
  const token = await mint({ sub: 'alice', name: 'Alice', exp })
  const res = await app.request(`/ws/rooms/GUILD%23g?since=5&token=${token}`, { headers: ws })
  t.equal(res.headers.get('x-upgraded'), 'yes')
  const sent: string[] = []
  const closes: [number, string][] = []
  const bound = openSocketSession(upgrades[0]!, {
    send: (text) => sent.push(text),
    bufferedAmount: () => 42,
    close: (code, reason) => closes.push([code, reason]),
  })
  const session = host.sessions[0]!
  t.same(session.opts.user, { id: 'alice', name: 'Alice' })
  t.same(
    session.opts.room,
    { roomId: 'GUILD#g', since: 5, epoch: 0 },
    'the revocation epoch read before the access check',
  )
  t.equal(session.opts.expiresAt, exp * 1000)
  t.equal(session.opts.socket.bufferedAmount(), 42)
  session.opts.socket.send('{"type":"pong"}')
  t.same(sent, ['{"type":"pong"}'])
  bound.message('{"type":"ping"}')
  bound.message(new TextEncoder().encode('{"type":"ping"}').buffer)
  t.same(session.received, ['{"type":"ping"}', '{"type":"ping"}'], 'binary frames are read as UTF-8')
  bound.message('x'.repeat(32 * 1024 + 1))
  bound.message('é'.repeat(16 * 1024 + 1))
  t.same(
    closes,
    [
      [1009, 'frame too big'],
      [1009, 'frame too big'],
    ],
    'over 32 KiB of bytes closes 1009',
  )
  t.equal(session.received.length, 2, 'the big frames were not passed on')
  bound.message('é'.repeat(16 * 1024))
  t.equal(session.received.length, 3, 'exactly 32 KiB is fine')
  // Both adapters' ports (ws-session.ts, deno-socket.ts) cut close reasons with truncateReason.
  t.equal(truncateReason('x'.repeat(300)).length, 123, 'close reasons are cut to 123 bytes')
  t.equal(new TextEncoder().encode(truncateReason('é'.repeat(100))).length, 122, 'never inside a character')
  bound.closed(1000)
  t.equal(session.isClosed, true)
  t.ok(logger.lines.some((l) => l.event === 'ws_open' && l.userId === 'alice' && l.room === 'GUILD#g'))
  t.ok(logger.lines.some((l) => l.event === 'ws_close' && l.code === 1000))
})

t.test('GET /ws: token checked, no room bound', async (t) => {
  const { app, host, upgrades } = setup()
  await expectError(t, await app.request('/ws', { headers: ws }), 401, 'unauthorized')
  await app.request('/ws', { headers: { ...ws, ...(await bearer({ sub: 'bob' })) } })
  openSocketSession(upgrades[0]!, { send() {}, bufferedAmount: () => 0, close() {} })
  t.equal(host.sessions[0]!.opts.room, undefined)
  t.equal(host.sessions[0]!.opts.user.id, 'bob')
})

t.test('GET /rooms/:roomId/messages', async (t) => {
  const { app, host } = setup()
  const h = await bearer()
  host.messages = [{ id: 'm1', seq: 1, roomId: 'lobby', senderId: 'alice', text: 'hi', ts: 1 }]
  const res = await app.request('/rooms/lobby/messages', { headers: h })
  t.equal(res.status, 200)
  t.same(await res.json(), { messages: host.messages, more: false })
  await app.request('/rooms/lobby/messages?before=10&limit=5', { headers: h })
  await app.request('/rooms/GUILD%23g/messages?after=3', { headers: h })
  t.same(host.historyCalls, [
    { roomId: 'lobby', query: { limit: 50 } },
    { roomId: 'lobby', query: { before: 10, limit: 5 } },
    { roomId: 'GUILD#g', query: { after: 3, limit: 50 } },
  ])
  await expectError(
    t,
    await app.request('/rooms/lobby/messages?before=1&after=2', { headers: h }),
    400,
    'invalid_request',
  )
  for (const q of ['limit=0', 'limit=101', 'limit=x', 'before=-1', 'after=1.5']) {
    await expectError(t, await app.request(`/rooms/lobby/messages?${q}`, { headers: h }), 400, 'invalid_request')
  }
  await expectError(t, await app.request('/rooms/lobby/messages'), 401, 'unauthorized')
  await expectError(t, await app.request('/rooms/no.pe/messages', { headers: h }), 400, 'invalid_room')
  host.access.set('GUILD#g', { ok: false, code: 'forbidden' })
  await expectError(t, await app.request('/rooms/GUILD%23g/messages', { headers: h }), 403, 'forbidden')
  t.equal(host.historyCalls.length, 3, 'refused requests never read history')
})

t.test('admin API', async (t) => {
  const { app, admin, host } = setup()
  const h = { authorization: `Bearer ${await adminToken()}`, 'content-type': 'application/json' }
  const put = (path: string, body?: unknown) =>
    app.request(path, { method: 'PUT', headers: h, body: body === undefined ? undefined : JSON.stringify(body) })
  const del = (path: string) => app.request(path, { method: 'DELETE', headers: h })

  await expectError(t, await app.request('/admin/rooms'), 401, 'unauthorized')
  await expectError(t, await app.request('/admin/rooms', { headers: await bearer() }), 403, 'forbidden')
  await expectError(
    t,
    await app.request('/admin/rooms/lobby', {
      method: 'PUT',
      headers: await bearer(),
      body: '{"visibility":"public"}',
    }),
    403,
    'forbidden',
  )

  const created = await put('/admin/rooms/lobby', { visibility: 'private' })
  t.equal(created.status, 201)
  t.same(await created.json(), { room: 'lobby', visibility: 'private' })
  t.equal((await put('/admin/rooms/lobby', { visibility: 'private' })).status, 200, 'repeat: 200')
  t.equal((await put('/admin/rooms/lobby', { visibility: 'public' })).status, 200, 'update: 200')
  await expectError(t, await put('/admin/rooms/lobby', { visibility: 'secret' }), 400, 'invalid_request')
  await expectError(t, await put('/admin/rooms/lobby'), 400, 'invalid_request')
  await expectError(
    t,
    await app.request('/admin/rooms/lobby', { method: 'PUT', headers: h, body: '{nope' }),
    400,
    'invalid_request',
  )
  await expectError(t, await put('/admin/rooms/GUILD%23g', { visibility: 'public' }), 400, 'invalid_room')

  t.equal((await put('/admin/rooms/lobby/members/bob')).status, 204)
  t.equal((await put('/admin/rooms/lobby/members/bob')).status, 204)
  t.equal((await del('/admin/rooms/lobby/members/bob')).status, 204)
  t.equal((await del('/admin/rooms/lobby/members/bob')).status, 204, 'absent: 204')
  t.equal((await put('/admin/guilds/g/members/bob')).status, 204)
  t.equal((await del('/admin/guilds/g/members/bob')).status, 204)
  t.equal((await del('/admin/guilds/g/members/bob')).status, 204)
  await expectError(t, await put('/admin/guilds/g%23x/members/bob'), 400, 'invalid_request')
  await expectError(t, await put(`/admin/rooms/lobby/members/${'u'.repeat(129)}`), 400, 'invalid_request')
  t.same(admin.calls, [
    'putRoom lobby private',
    'putRoom lobby private',
    'putRoom lobby public',
    'putRoomMember lobby bob',
    'putRoomMember lobby bob',
    'deleteRoomMember lobby bob',
    'deleteRoomMember lobby bob',
    'putGuildMember g bob',
    'deleteGuildMember g bob',
    'deleteGuildMember g bob',
  ])

  host.rooms = [{ room: 'lobby', connections: 2, users: 1 }]
  const list = await app.request('/admin/rooms', { headers: h })
  t.same(await list.json(), { rooms: [{ room: 'lobby', connections: 2, users: 1 }] })
})

t.test('errors from below: refusals keep their code, others are 500 internal and logged', async (t) => {
  const { app, admin, logger } = setup()
  const h = { authorization: `Bearer ${await adminToken()}` }
  admin.putGuildMember = async () => {
    throw new Refusal('unavailable', 'store is down')
  }
  await expectError(
    t,
    await app.request('/admin/guilds/g/members/u', { method: 'PUT', headers: h }),
    503,
    'unavailable',
  )
  // Told apart by class, not by a `code` property: any library's error may carry one.
  admin.putGuildMember = async () => {
    throw Object.assign(new Error('ENOTFOUND table.internal.example'), { code: 'not_found' })
  }
  const coded = await app.request('/admin/guilds/g/members/u', { method: 'PUT', headers: h })
  t.equal(coded.status, 500, 'an error with a code of ours but not a Refusal is internal')
  t.notOk((await coded.text()).includes('ENOTFOUND'), 'and its message is not sent')
  admin.putGuildMember = async () => {
    throw new Error('boom')
  }
  await expectError(t, await app.request('/admin/guilds/g/members/u', { method: 'PUT', headers: h }), 500, 'internal')
  t.ok(logger.lines.some((l) => l.event === 'http_error' && l.level === 'error'))
  t.ok(logger.lines.some((l) => l.event === 'http_refused' && l.code === 'unavailable'))
})

t.test('a 429 carries retryAfterMs and Retry-After; a 503 logs the store error behind it', async (t) => {
  const { app, host, logger } = setup()
  host.access.set('busy', { ok: false, code: 'rate_limited', retryAfterMs: 2_500 })
  host.access.set('down', {
    ok: false,
    code: 'unavailable',
    cause: new Error('ResourceNotFoundException: no table'),
  })
  const limited = await app.request('/rooms/busy/messages', { headers: await bearer() })
  t.equal(limited.status, 429)
  t.equal(limited.headers.get('retry-after'), '3', 'whole seconds, rounded up')
  t.match(await limited.json(), { error: 'rate_limited', retryAfterMs: 2_500 })
  const down = await app.request('/rooms/down/messages', { headers: await bearer() })
  t.equal(down.status, 503)
  const body = (await down.json()) as Record<string, unknown>
  t.notOk(JSON.stringify(body).includes('ResourceNotFound'), 'the cause is not sent to the client')
  const line = logger.lines.find((l) => l.event === 'http_refused' && l.code === 'unavailable')
  t.match(line?.error, { message: /ResourceNotFoundException/ }, 'the cause is in the log line')
})
