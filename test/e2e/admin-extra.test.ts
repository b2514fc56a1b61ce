/**
 * The admin API's member listings (paged with an opaque cursor) and closing a room (everyone
 * leaves, history kept, reopened by PUT), over real HTTP and WebSockets.
 */
import t from 'tap'
import { Client, is, refusal } from '../support/client.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { admin, http, joinRoom, say, uniq } from './scenarios/util.ts'

let s: InProcess
t.before(async () => {
  s = await startInProcess()
})
t.teardown(() => s.stop())

type Listing = { members: string[]; nextCursor?: string }

/** Every page of a listing, following `nextCursor`. */
async function allPages(path: string, limit: number): Promise<Listing[]> {
  const pages: Listing[] = []
  let cursor: string | undefined
  do {
    const query = `?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`
    const res = await admin(s, 'GET', path + query)
    if (res.status !== 200) throw new Error(`${path}${query}: ${res.status} ${JSON.stringify(res.body)}`)
    const page = res.body as Listing
    pages.push(page)
    cursor = page.nextCursor
  } while (cursor !== undefined && pages.length < 20)
  return pages
}

t.test('GET /admin/guilds/:guildId/members: pages with an opaque cursor, every member once, in order', async (t) => {
  const guild = uniq('g')
  const users = ['zed', 'amy', 'x#y', 'bob', 'ünal', '😀', 'cyd']
  for (const u of users)
    t.equal((await admin(s, 'PUT', `/admin/guilds/${guild}/members/${encodeURIComponent(u)}`)).status, 204)
  await admin(s, 'DELETE', `/admin/guilds/${guild}/members/bob`)
  const pages = await allPages(`/admin/guilds/${guild}/members`, 2)
  t.same(
    pages.map((p) => p.members),
    [
      ['amy', 'cyd'],
      ['x#y', 'zed'],
      ['ünal', '😀'],
    ],
  )
  t.equal(pages.at(-1)!.nextCursor, undefined, 'no cursor on the last page')
  for (const p of pages.slice(0, -1)) t.match(p.nextCursor, /^[A-Za-z0-9_-]+$/, 'the cursor is URL-safe')

  const whole = await admin(s, 'GET', `/admin/guilds/${guild}/members`)
  t.same(whole.body, { members: ['amy', 'cyd', 'x#y', 'zed', 'ünal', '😀'] }, 'default limit: one page')
  t.same((await admin(s, 'GET', `/admin/guilds/${uniq('empty')}/members`)).body, { members: [] })
})

t.test("GET /admin/rooms/:roomId/members lists a private room's members", async (t) => {
  const room = uniq('priv')
  await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'private' })
  for (const u of ['carol', 'alice', 'bob']) await admin(s, 'PUT', `/admin/rooms/${room}/members/${u}`)
  t.same((await admin(s, 'GET', `/admin/rooms/${room}/members`)).body, { members: ['alice', 'bob', 'carol'] })
  t.same(
    (await allPages(`/admin/rooms/${room}/members`, 1)).map((p) => p.members),
    [['alice'], ['bob'], ['carol']],
  )
})

t.test('member listings: limits, cursor and ids are checked; admins only', async (t) => {
  const max = s.limits.membersMaxLimit
  for (const q of [
    'limit=0',
    `limit=${max + 1}`,
    'limit=x',
    'cursor=%%%',
    'cursor=',
    `cursor=${'A'.repeat(800)}`,
    'cursor=_w',
  ]) {
    const res = await admin(s, 'GET', `/admin/guilds/g/members?${q}`)
    t.same([res.status, res.body?.error], [400, 'invalid_request'], q)
  }
  t.equal((await admin(s, 'GET', `/admin/guilds/g/members?limit=${max}`)).status, 200)
  t.same((await admin(s, 'GET', '/admin/guilds/bad.guild/members')).body?.error, 'invalid_request')
  t.same((await admin(s, 'GET', '/admin/rooms/GUILD%23g/members')).body?.error, 'invalid_room')
  const user = await s.token({ sub: 'alice' })
  t.equal((await http(s, 'GET', '/admin/guilds/g/members', { token: user })).status, 403)
  t.equal((await http(s, 'GET', '/admin/rooms/r/members')).status, 401)
})

t.test(
  'DELETE /admin/rooms/:roomId closes a room: sockets leave, entry refused, history kept, PUT reopens',
  async (t) => {
    const room = uniq('hall')
    const other = uniq('other')
    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })).status, 201)
    const { c: bound } = await joinRoom(s, room, 'alice')
    await say(bound, 'k1', 'kept through the close')
    const mux = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'bob' }) })
    mux.send({ type: 'join', room })
    mux.send({ type: 'join', room: other })
    await mux.take(is('welcome', { room }))
    await mux.take(is('welcome', { room: other }))

    t.equal((await admin(s, 'DELETE', `/admin/rooms/${room}`)).status, 204)
    t.same(await bound.closedBy(), { code: 4404, reason: 'room closed' })
    t.same(await mux.take(is('left', { room })), { type: 'left', room, reason: 'closed' })
    t.match(await say(mux, 'k2', 'still here', other), { room: other, id: 'k2' }, '/ws stays open for its other room')
    t.equal((await admin(s, 'DELETE', `/admin/rooms/${room}`)).status, 204, 'closing again: 204')

    const token = await s.token({ sub: 'carol' })
    const refused = await refusal(`${s.ws}/ws/rooms/${room}`, { token })
    t.same(
      refused,
      { status: 404, body: { error: 'not_found', message: 'this room is closed' } },
      'not entered, not created again',
    )
    mux.send({ type: 'join', room })
    t.match(await mux.take(is('error', { room })), { code: 'not_found', message: 'this room is closed' })
    const closedHistory = await http(s, 'GET', `/rooms/${room}/messages`, { token })
    t.same([closedHistory.status, closedHistory.body?.error], [404, 'not_found'], 'history is not served while closed')
    t.match(await s.gh.store.getRoom(room), { closed: true })

    t.equal((await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'public' })).status, 200, 'reopened')
    const history = await http(s, 'GET', `/rooms/${room}/messages`, { token })
    t.match(history.body, { messages: { length: 1, 0: { seq: 1, text: 'kept through the close' } }, more: false })
    const { welcome } = await joinRoom(s, room, 'carol')
    t.equal(welcome.seq, 1)
    await mux.close()
  },
)

t.test('DELETE /admin/rooms/:roomId: unknown room 404 (nothing created), a guild room 400', async (t) => {
  const room = uniq('never')
  const res = await admin(s, 'DELETE', `/admin/rooms/${room}`)
  t.same([res.status, res.body?.error], [404, 'not_found'])
  t.equal(await s.gh.store.getRoom(room), undefined)
  t.equal((await admin(s, 'DELETE', '/admin/rooms/GUILD%23g')).body?.error, 'invalid_room')
  t.equal((await http(s, 'DELETE', `/admin/rooms/${room}`, { token: await s.token({ sub: 'alice' }) })).status, 403)
})
