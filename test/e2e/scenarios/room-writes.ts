/**
 * docs/protocol.md "Posting and reading over HTTP": `POST /rooms/:roomId/messages` and
 * `PUT /rooms/:roomId/read`, each what a `send` or `read` frame from the caller would be.
 */
import type { Test } from 'tap'
import { is } from '../../support/client.ts'
import type { Target } from '../../support/server.ts'
import { admin, http, joinRoom, uniq } from './util.ts'

async function publicRoom(s: Target): Promise<string> {
  const room = uniq('post')
  await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })
  return room
}

export function roomWriteScenarios(t: Test, target: () => Target): void {
  t.test('POST /rooms/:roomId/messages: 201, the room gets it, a repeated id is 200 with the original', async (t) => {
    const s = target()
    const room = await publicRoom(s)
    const { c: bob } = await joinRoom(s, room, 'bob')
    const token = await s.token({ sub: 'alice' })
    const posted = await http(s, 'POST', `/rooms/${room}/messages`, { token, body: { id: 'p1', text: 'hello' } })
    t.equal(posted.status, 201)
    t.match(posted.body, { seq: 1, messageId: /^[A-Za-z0-9_-]{1,64}$/ })
    t.same(Object.keys(posted.body!).sort(), ['messageId', 'seq'])
    const frame = await bob.take(is('message'))
    t.match(frame, { room, message: { seq: 1, senderId: 'alice', text: 'hello', id: posted.body!.messageId } })
    const again = await http(s, 'POST', `/rooms/${room}/messages`, { token, body: { id: 'p1', text: 'hello' } })
    t.same(again, { status: 200, body: posted.body })
    const history = await http(s, 'GET', `/rooms/${room}/messages`, { token })
    t.equal((history.body!.messages as unknown[]).length, 1, 'stored once')
    await bob.sync()
    t.same(
      bob.seen(is('presence')).filter((f) => f.userId === 'alice'),
      [],
      'the poster is never present in the room',
    )
    await bob.close()
  })

  t.test('POST refusals: body, length, access, another sender without the admin role', async (t) => {
    const s = target()
    const room = await publicRoom(s)
    const token = await s.token({ sub: 'alice' })
    const post = (body: unknown, path = `/rooms/${room}/messages`, tok = token) =>
      http(s, 'POST', path, { token: tok, body })
    const cases: [unknown, number, string][] = [
      ['not json', 400, 'invalid_request'],
      [{ text: 'no id' }, 400, 'invalid_request'],
      [{ id: '', text: 'x' }, 400, 'invalid_request'],
      [{ id: 'x'.repeat(65), text: 'x' }, 400, 'invalid_request'],
      [{ id: 'e', text: '' }, 400, 'invalid_request'],
      [{ id: 't', text: 'x'.repeat(s.limits.maxTextLength + 1) }, 400, 'too_long'],
      [{ id: 's', text: 'x', senderId: 'system' }, 403, 'forbidden'],
    ]
    for (const [body, status, error] of cases) {
      const res = await post(body)
      t.equal(res.status, status, JSON.stringify(body).slice(0, 60))
      t.equal(res.body?.error, error)
    }
    t.equal((await http(s, 'POST', `/rooms/${room}/messages`, { body: { id: 'a', text: 'x' } })).status, 401)
    t.equal((await post({ id: 'a', text: 'x' }, '/rooms/bad.room/messages')).body?.error, 'invalid_room')
    const guild = uniq('g')
    t.equal((await post({ id: 'a', text: 'x' }, `/rooms/GUILD%23${guild}/messages`)).status, 403)
    const privateRoom = uniq('priv')
    await admin(s, 'PUT', `/admin/rooms/${privateRoom}`, { visibility: 'private' })
    t.equal((await post({ id: 'a', text: 'x' }, `/rooms/${privateRoom}/messages`)).status, 403)
    await admin(s, 'PUT', `/admin/rooms/${privateRoom}/members/alice`)
    t.equal((await post({ id: 'a', text: 'x' }, `/rooms/${privateRoom}/messages`)).status, 201)
    t.equal((await post({ id: 'ok', text: 'x', senderId: 'alice' }, `/rooms/${room}/messages`)).status, 201)
  })

  t.test('POST is rate limited as sends are (429 with retryAfterMs); an admin posting as system is not', async (t) => {
    const s = target()
    const room = await publicRoom(s)
    const token = await s.token({ sub: uniq('u') })
    // All at once: a store that takes a while per write (DynamoDB) would refill the bucket
    // between posts sent one after another.
    const answers = await Promise.all(
      Array.from({ length: 2 * s.limits.sendBurst }, (_, i) =>
        http(s, 'POST', `/rooms/${room}/messages`, { token, body: { id: `k${i}`, text: 'x' } }),
      ),
    )
    const statuses = answers.map((a) => a.status)
    const limited = answers.find((a) => a.status === 429)?.body
    t.ok(statuses.includes(429), `past the burst: ${statuses.join(',')}`)
    t.match(limited, { error: 'rate_limited', retryAfterMs: Number })
    const ops = await s.token({ sub: 'ops', roles: ['admin'] })
    const { c: bob } = await joinRoom(s, room, 'bob')
    for (let i = 0; i < s.limits.sendBurst + 3; i++) {
      const res = await http(s, 'POST', `/rooms/${room}/messages`, {
        token: ops,
        body: { id: `sys${i}`, text: 'notice', senderId: 'system' },
      })
      t.equal(res.status, 201, `admin post ${i}`)
    }
    t.match(await bob.take(is('message', {})), { message: { senderId: 'system' } })
    await bob.close()
  })

  t.test('an admin posts as another sender where nobody is a member; not in a room that does not exist', async (t) => {
    const s = target()
    const ops = await s.token({ sub: 'ops', roles: ['admin'] })
    const guild = uniq('g')
    await admin(s, 'PUT', `/admin/guilds/${guild}/members/bob`)
    const { c: bob } = await joinRoom(s, `GUILD#${guild}`, 'bob')
    const res = await http(s, 'POST', `/rooms/GUILD%23${guild}/messages`, {
      token: ops,
      body: { id: 'n1', text: 'maintenance at 5', senderId: 'system' },
    })
    t.equal(res.status, 201)
    t.match(await bob.take(is('message')), { message: { senderId: 'system', text: 'maintenance at 5' } })
    const missing = await http(s, 'POST', `/rooms/${uniq('none')}/messages`, {
      token: ops,
      body: { id: 'n1', text: 'x', senderId: 'system' },
    })
    t.same([missing.status, missing.body?.error], [404, 'not_found'])
    await bob.close()
  })

  t.test('PUT /rooms/:roomId/read: 204, the room is told, the marker only moves forward', async (t) => {
    const s = target()
    const room = await publicRoom(s)
    const token = await s.token({ sub: 'alice' })
    for (let i = 1; i <= 3; i++)
      await http(s, 'POST', `/rooms/${room}/messages`, { token, body: { id: `m${i}`, text: `${i}` } })
    const { c: bob } = await joinRoom(s, room, 'bob')
    t.same(await http(s, 'PUT', `/rooms/${room}/read`, { token, body: { seq: 2 } }), { status: 204, body: undefined })
    t.match(await bob.take(is('read')), { type: 'read', room, userId: 'alice', seq: 2 })
    t.equal((await http(s, 'PUT', `/rooms/${room}/read`, { token, body: { seq: 1 } })).status, 204)
    const { c: alice, welcome } = await joinRoom(s, room, 'alice')
    t.equal(welcome.lastRead, 2, 'backwards did not move it')
    t.equal((await http(s, 'PUT', `/rooms/${room}/read`, { token, body: { seq: 99 } })).status, 204)
    t.match(await alice.take(is('read')), { userId: 'alice', seq: 3 }, 'past the latest counts as the latest')
    for (const body of ['x', {}, { seq: -1 }, { seq: 1.5 }, { seq: '2' }]) {
      const res = await http(s, 'PUT', `/rooms/${room}/read`, { token, body })
      t.same([res.status, res.body?.error], [400, 'invalid_request'], JSON.stringify(body))
    }
    const guild = uniq('g')
    t.equal((await http(s, 'PUT', `/rooms/GUILD%23${guild}/read`, { token, body: { seq: 1 } })).status, 403)
    await Promise.all([bob.close(), alice.close()])
  })
}
