/**
 * Node-server behaviour outside the scenario suite: readiness during a drain, rooms that must
 * exist (AUTO_CREATE_ROOMS=false), and logs that never carry message text or tokens.
 */
import t from 'tap'
import { Client, is, refusal } from '../support/client.ts'
import { startInProcess } from '../support/server.ts'
import { admin, http, joinRoom, say, uniq } from './scenarios/util.ts'

t.test('draining: /ready 503, new sockets refused with 503, open ones closed with 1001', async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  const { c } = await joinRoom(s, uniq('drain'), 'alice')
  await say(c, 'before', 'stored before the drain')
  s.gh.lifecycle.startDraining()
  const ready = await http(s, 'GET', '/ready')
  t.equal(ready.status, 503)
  t.equal(ready.body?.error, 'unavailable')
  t.equal((await http(s, 'GET', '/health')).status, 200, 'still alive')
  const r = await refusal(`${s.ws}/ws/rooms/lobby`, { token: await s.token() })
  t.same([r.status, r.body.error], [503, 'unavailable'])
  await s.gh.drain()
  t.equal((await c.closedBy()).code, 1001)
})

t.test('AUTO_CREATE_ROOMS=false: a room that does not exist is not_found until created', async (t) => {
  const s = await startInProcess({ env: { AUTO_CREATE_ROOMS: 'false' } })
  t.teardown(() => s.stop())
  const room = uniq('ghost')
  const token = await s.token({ sub: 'alice' })
  const r = await refusal(`${s.ws}/ws/rooms/${room}`, { token })
  t.same([r.status, r.body.error], [404, 'not_found'])
  t.equal((await http(s, 'GET', `/rooms/${room}/messages`, { token })).status, 404)
  const mux = await Client.open(`${s.ws}/ws`, { token })
  mux.send({ type: 'join', room })
  t.match(await mux.take(is('error')), { code: 'not_found', room })
  t.equal((await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })).status, 201)
  mux.send({ type: 'join', room })
  t.match(await mux.take(is('welcome')), { room })
  await mux.close()
})

t.test('logs: one JSON object per event, never message text or tokens', async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  const token = await s.token({ sub: 'alice' })
  const c = await Client.open(`${s.ws}/ws/rooms/${uniq('logs')}?token=${token}`)
  await c.take(is('welcome'))
  await say(c, 'secret', 'the-secret-message-text')
  c.send('not json')
  await c.take(is('error'))
  await c.close()
  await refusal(`${s.ws}/ws/rooms/bad.room`, { token })
  const text = JSON.stringify(s.logs)
  t.notMatch(text, 'the-secret-message-text')
  t.notMatch(text, token)
  t.ok(s.logs.some((l) => l.event === 'ws_open' && l.userId === 'alice'))
  t.ok(s.logs.some((l) => l.event === 'ws_close'))
  t.ok(s.logs.some((l) => l.event === 'http_refused' && l.code === 'invalid_room'))
  for (const l of s.logs) t.match(l, { ts: String, level: /^(info|warn|error)$/, event: String })
})

t.test('the Node adapter answers odd upgrades with complete HTTP responses', async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  const plain = await refusal(`${s.ws}/health`)
  t.same(
    [plain.status, plain.body],
    [200, { status: 'ok' }],
    'a non-WebSocket route asked to upgrade answers as HTTP, body included',
  )
  const { request } = await import('node:http')
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${s.http}/ws`, { headers: { connection: 'Upgrade', upgrade: 'h2c' } })
    req.on('response', (r) => {
      let body = ''
      r.on('data', (c: Buffer) => (body += c))
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(res.status, 400)
  t.equal(JSON.parse(res.body).error, 'invalid_request')
})
