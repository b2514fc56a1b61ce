/** docs/protocol.md "HTTP endpoints", the admin API; "Room ids", private and guild room access. */
import type { Test } from 'tap'
import { is, refusal } from '../../support/client.ts'
import type { Target } from '../../support/server.ts'
import { admin, http, joinRoom, uniq } from './util.ts'

export function adminScenarios(t: Test, target: () => Target): void {
  t.test('the admin role is required (403), a token at all (401)', async (t) => {
    const s = target()
    t.equal((await http(s, 'GET', '/admin/rooms')).status, 401)
    const user = await s.token({ sub: 'alice' })
    for (const [method, path] of [
      ['GET', '/admin/rooms'],
      ['PUT', `/admin/rooms/${uniq('r')}`],
      ['PUT', `/admin/rooms/${uniq('r')}/members/alice`],
      ['DELETE', `/admin/guilds/${uniq('g')}/members/alice`],
    ] as const) {
      const res = await http(s, method, path, {
        token: user,
        body: method === 'PUT' ? { visibility: 'public' } : undefined,
      })
      t.equal(res.status, 403, `${method} ${path}`)
      t.equal(res.body?.error, 'forbidden')
    }
  })

  t.test('PUT /admin/rooms/:roomId creates (201) and updates (200), idempotently', async (t) => {
    const s = target()
    const room = uniq('adm')
    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })).status, 201)
    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })).status, 200)
    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'private' })).status, 200)
    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'hidden' })).body?.error, 'invalid_request')
    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}`, 'not json')).body?.error, 'invalid_request')
    t.equal((await admin(s, 'PUT', `/admin/rooms/bad.room`, { visibility: 'public' })).body?.error, 'invalid_room')
    t.equal((await admin(s, 'PUT', `/admin/rooms/GUILD%23g`, { visibility: 'public' })).body?.error, 'invalid_room')
  })

  t.test('a private room admits its members only; the admin role opens no room', async (t) => {
    const s = target()
    const room = uniq('priv')
    await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'private' })
    const url = `${s.ws}/ws/rooms/${room}`
    t.equal((await refusal(url, { token: await s.token({ sub: 'bob' }) })).status, 403)
    t.equal(
      (await refusal(url, { token: await s.token({ sub: 'ops', roles: ['admin'] }) })).status,
      403,
      'admin is not a member',
    )
    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}/members/bob`)).status, 204)
    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}/members/bob`)).status, 204, 'idempotent')
    const { c, welcome } = await joinRoom(s, room, 'bob')
    t.equal(welcome.room, room)
    t.equal((await admin(s, 'DELETE', `/admin/rooms/${room}/members/bob`)).status, 204)
    t.equal((await c.closedBy()).code, 4403, 'a removed member is disconnected')
    t.equal((await admin(s, 'DELETE', `/admin/rooms/${room}/members/bob`)).status, 204, 'absent: 204')
    t.equal((await refusal(url, { token: await s.token({ sub: 'bob' }) })).status, 403)
  })

  t.test('guild members: PUT opens the guild room, DELETE closes live sockets with 4403', async (t) => {
    const s = target()
    const guild = uniq('guild')
    const room = `GUILD#${guild}`
    t.equal((await admin(s, 'PUT', `/admin/guilds/${guild}/members/carol`)).status, 204)
    t.equal((await admin(s, 'PUT', `/admin/guilds/${guild}/members/carol`)).status, 204)
    t.equal((await admin(s, 'PUT', `/admin/guilds/${guild}/members/dave`)).status, 204)
    const { c, welcome } = await joinRoom(s, room, 'carol')
    t.equal(welcome.room, room)
    const tab2 = (await joinRoom(s, room, 'carol')).c
    const dave = (await joinRoom(s, room, 'dave')).c
    t.equal((await admin(s, 'DELETE', `/admin/guilds/${guild}/members/carol`)).status, 204)
    t.equal((await c.closedBy()).code, 4403)
    t.equal((await tab2.closedBy()).code, 4403)
    t.match(await dave.take(is('presence', { userId: 'carol', online: false })), { room })
    t.equal((await admin(s, 'DELETE', `/admin/guilds/${guild}/members/carol`)).status, 204, 'absent: 204')
    t.equal(
      (await refusal(`${s.ws}/ws/rooms/GUILD%23${guild}`, { token: await s.token({ sub: 'carol' }) })).status,
      403,
    )
    await dave.close()
  })

  t.test('GET /admin/rooms lists active rooms with connections and users', async (t) => {
    const s = target()
    const room = uniq('active')
    const a1 = (await joinRoom(s, room, 'alice')).c
    const a2 = (await joinRoom(s, room, 'alice')).c
    const b = (await joinRoom(s, room, 'bob')).c
    const res = await admin(s, 'GET', '/admin/rooms')
    t.equal(res.status, 200)
    const rooms = (res.body as { rooms: { room: string; connections: number; users: number }[] }).rooms
    t.same(
      rooms.find((r) => r.room === room),
      { room, connections: 3, users: 2 },
    )
    await Promise.all([a1.close(), a2.close(), b.close()])
  })

  t.test('member listings page with a cursor; DELETE closes a room (4404), history kept, PUT reopens', async (t) => {
    const s = target()
    const guild = uniq('members')
    for (const u of ['cy', 'al', 'bo']) await admin(s, 'PUT', `/admin/guilds/${guild}/members/${u}`)
    const first = await admin(s, 'GET', `/admin/guilds/${guild}/members?limit=2`)
    t.match(first.body, { members: ['al', 'bo'], nextCursor: String })
    const rest = await admin(s, 'GET', `/admin/guilds/${guild}/members?limit=2&cursor=${first.body?.nextCursor}`)
    t.same(rest.body, { members: ['cy'] })

    const room = uniq('closing')
    await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })
    const { c } = await joinRoom(s, room, 'alice')
    c.send({ type: 'send', id: 'k1', text: 'kept' })
    await c.take(is('ack', { id: 'k1' }))
    t.equal((await admin(s, 'DELETE', `/admin/rooms/${room}`)).status, 204)
    t.equal((await c.closedBy()).code, 4404)
    const token = await s.token({ sub: 'bob' })
    t.same(await refusal(`${s.ws}/ws/rooms/${room}`, { token }), {
      status: 404,
      body: { error: 'not_found', message: 'this room is closed' },
    })
    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })).status, 200)
    t.match((await http(s, 'GET', `/rooms/${room}/messages`, { token })).body, {
      messages: { length: 1, 0: { seq: 1, text: 'kept' } },
    })
  })

  t.test('unknown ids in admin paths are refused with 400', async (t) => {
    const s = target()
    t.equal((await admin(s, 'PUT', `/admin/guilds/bad.guild/members/x`)).status, 400)
    t.equal((await admin(s, 'PUT', `/admin/rooms/${uniq('r')}/members/${'u'.repeat(129)}`)).status, 400)
  })
}
