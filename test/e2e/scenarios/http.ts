/** docs/protocol.md "HTTP endpoints": health, readiness, history over HTTP, refusals before the upgrade. */
import type { Test } from 'tap'
import { refusal } from '../../support/client.ts'
import type { Target } from '../../support/server.ts'
import { unsigned } from '../../support/tokens.ts'
import { admin, http, joinRoom, say, uniq } from './util.ts'

export function httpScenarios(t: Test, target: () => Target): void {
  t.test('GET /health and /ready', async (t) => {
    t.same(await http(target(), 'GET', '/health'), { status: 200, body: { status: 'ok' } })
    t.equal((await http(target(), 'GET', '/ready')).status, 200)
  })

  t.test('every HTTP refusal is {"error","message"} JSON', async (t) => {
    const res = await http(target(), 'GET', '/no/such/endpoint')
    t.equal(res.status, 404)
    t.equal(res.body?.error, 'not_found')
    t.type(res.body?.message, 'string')
  })

  t.test('refusals before the upgrade are plain HTTP', async (t) => {
    const s = target()
    const good = await s.token({ sub: 'alice' })
    const guild = uniq('g')
    const cases: [string, string | undefined, number, string][] = [
      ['/ws/rooms/lobby', undefined, 401, 'unauthorized'],
      ['/ws/rooms/lobby', await s.token({ exp: Math.floor(Date.now() / 1000) - 5 }), 401, 'unauthorized'],
      ['/ws/rooms/lobby', unsigned(), 401, 'unauthorized'],
      ['/ws/rooms/lobby', await s.token({ secret: 'not-the-server-secret-not-the-server' }), 401, 'unauthorized'],
      ['/ws/rooms/lobby', 'garbage', 401, 'unauthorized'],
      ['/ws', undefined, 401, 'unauthorized'],
      ['/ws/rooms/bad.room', good, 400, 'invalid_room'],
      [`/ws/rooms/${'r'.repeat(65)}`, good, 400, 'invalid_room'],
      ['/ws/rooms/GUILD%23', good, 400, 'invalid_room'],
      ['/ws/rooms/lobby?since=x', good, 400, 'invalid_request'],
      [`/ws/rooms/GUILD%23${guild}`, good, 403, 'forbidden'],
    ]
    for (const [path, token, status, error] of cases) {
      const r = await refusal(`${s.ws}${path}`, token ? { token } : {})
      t.equal(r.status, status, `${path}: ${status}`)
      t.equal(r.body.error, error, `${path}: ${error}`)
      t.type(r.body.message, 'string')
    }
  })

  t.test('a non-member gets 403 for a guild room whether or not it has members', async (t) => {
    const s = target()
    const guild = uniq('g')
    t.equal((await admin(s, 'PUT', `/admin/guilds/${guild}/members/bob`)).status, 204)
    const token = await s.token({ sub: 'mallory' })
    t.equal((await refusal(`${s.ws}/ws/rooms/GUILD%23${guild}`, { token })).status, 403)
    t.equal((await refusal(`${s.ws}/ws/rooms/GUILD%23${uniq('nobody')}`, { token })).status, 403)
    t.equal((await http(s, 'GET', `/rooms/GUILD%23${guild}/messages`, { token })).status, 403)
  })

  t.test('the query token works for the upgrade and for HTTP', async (t) => {
    const s = target()
    const token = await s.token({ sub: 'browser' })
    t.equal((await http(s, 'GET', `/rooms/${uniq('q')}/messages?token=${token}`)).status, 200)
  })

  t.test('GET /rooms/:roomId/messages: pages by seq', async (t) => {
    const s = target()
    const room = uniq('hist')
    const { c } = await joinRoom(s, room, 'alice')
    for (let i = 1; i <= 7; i++) await say(c, `m${i}`, `text ${i}`)
    await c.close()
    const token = await s.token({ sub: 'bob' })
    const get = async (q: string) => {
      const res = await http(s, 'GET', `/rooms/${room}/messages${q}`, { token })
      t.equal(res.status, 200, q)
      const body = res.body as {
        messages: { seq: number; text: string; id: string; roomId: string; senderId: string; ts: number }[]
        more: boolean
      }
      return { seqs: body.messages.map((m) => m.seq), more: body.more, messages: body.messages }
    }
    const newest = await get('')
    t.same(newest.seqs, [1, 2, 3, 4, 5, 6, 7])
    t.equal(newest.more, false)
    t.match(newest.messages[0], { seq: 1, text: 'text 1', roomId: room, senderId: 'alice', id: String, ts: Number })
    const last3 = await get('?limit=3')
    t.same(last3.seqs, [5, 6, 7])
    t.equal(last3.more, true)
    t.same((await get('?before=5&limit=2')).seqs, [3, 4])
    t.equal((await get('?before=3&limit=2')).more, false)
    t.same((await get('?after=2&limit=3')).seqs, [3, 4, 5])
    t.equal((await get('?after=2&limit=3')).more, true)
    t.equal((await get('?after=5&limit=3')).more, false)
    for (const q of ['?before=3&after=1', '?limit=0', '?limit=101', '?before=x']) {
      const res = await http(s, 'GET', `/rooms/${room}/messages${q}`, { token })
      t.equal(res.status, 400, q)
      t.equal(res.body?.error, 'invalid_request', q)
    }
    t.equal((await http(s, 'GET', `/rooms/${room}/messages`)).status, 401)
    t.equal((await http(s, 'GET', `/rooms/bad.room/messages`, { token })).body?.error, 'invalid_room')
  })
}
