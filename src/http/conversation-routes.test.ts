// POST /conversations and GET /me/rooms through the app (app.request) on a real host and a
// MemoryStore: statuses, bodies and every refusal (docs/protocol.md "Conversations and my rooms").
import t from 'tap'
import { ActorHost } from '../../actors/host.ts'
import { Admin } from '../../actors/admin.ts'
import { resolveLimits } from '../../actors/limits.ts'
import { ManualClock, MemoryStore } from '../../actors/testing.ts'
import { mint, testSecret } from '../../test/support/tokens.ts'
import { createMemoryLogger } from '../../test/support/memory-logger.ts'
import { createVerifier } from '../auth/verify.ts'
import { createApp } from './app.ts'

function setup(limits = {}) {
  const store = new MemoryStore()
  const host = new ActorHost({ store, limits, autoCreateRooms: true, clock: new ManualClock(1_000) })
  const app = createApp({
    host,
    admin: new Admin(host, store),
    auth: createVerifier({ secret: testSecret }),
    config: { limits: resolveLimits(limits) },
    logger: createMemoryLogger(),
    upgradeWebSocket: async () => new Response(null),
  })
  const as = async (sub: string) => ({ authorization: `Bearer ${await mint({ sub })}` })
  const post = async (sub: string, body: unknown) =>
    app.request('/conversations', {
      method: 'POST',
      headers: { ...(await as(sub)), 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    })
  const myRooms = async (sub: string, query = '') => app.request(`/me/rooms${query}`, { headers: await as(sub) })
  return { app, store, host, post, myRooms }
}

t.test('POST /conversations: 201 then 200 with the same room for the pair, from either side', async (t) => {
  const { post } = setup()
  const made = await post('bob', { members: ['ann'] })
  t.equal(made.status, 201)
  const body = (await made.json()) as { room: string; members: string[] }
  t.match(body, { room: /^[A-Za-z0-9_-]{1,64}$/, members: ['ann', 'bob'] })
  const again = await post('ann', { members: ['bob', 'ann'] })
  t.equal(again.status, 200)
  t.same(await again.json(), body)
  const group = await post('ann', { members: ['bob', 'cat', 'bob'] })
  t.equal(group.status, 201)
  t.match(await group.json(), { members: ['ann', 'bob', 'cat'] })
  const group2 = await post('ann', { members: ['bob', 'cat'] })
  t.equal(group2.status, 201, 'groups are new each time')
})

t.test('POST /conversations refusals: 400 with a message, 401, 429 with retryAfterMs', async (t) => {
  const { post, app } = setup({ conversationsPerMinute: 2 })
  const bad = async (body: unknown, message: RegExp) => {
    const res = await post('ann', body)
    t.equal(res.status, 400, JSON.stringify(body))
    t.match(await res.json(), { error: 'invalid_request', message })
  }
  await bad('{nope', /JSON/)
  await bad({}, /members/)
  await bad({ members: 'bob' }, /members/)
  await bad({ members: [] }, /other than yourself/)
  await bad({ members: ['ann'] }, /other than yourself/)
  await bad({ members: [''] }, /1\.\.128/)
  await bad({ members: [7] }, /members/)
  await bad({ members: Array.from({ length: 50 }, (_, i) => `u${i}`) }, /at most 49/)
  t.equal((await app.request('/conversations', { method: 'POST', body: '{}' })).status, 401)
  t.equal((await post('ann', { members: ['b'] })).status, 201)
  t.equal((await post('ann', { members: ['c'] })).status, 201)
  const limited = await post('ann', { members: ['d'] })
  t.equal(limited.status, 429)
  t.match(await limited.json(), { error: 'rate_limited', retryAfterMs: 30_000 })
  t.equal(limited.headers.get('retry-after'), '30')
  t.equal((await post('ann', { members: ['b'] })).status, 200, 'an existing pair at the limit')
})

t.test('GET /me/rooms: kinds, unread, paging with nextCursor, bad limit and cursor', async (t) => {
  const { post, myRooms, store, host } = setup()
  const made = (await (await post('ann', { members: ['bob'] })).json()) as { room: string }
  await store.putGuildMember('g', 'ann')
  await store.putRoom({ roomId: 'hall', visibility: 'public' })
  await store.advanceReadMarker('hall', 'ann', 0)
  await store.putRoom({ roomId: 'staff', visibility: 'private' })
  await store.putRoomMember('staff', 'ann')
  const page = (await (await myRooms('ann')).json()) as { rooms: { room: string; kind: string }[] }
  t.same(
    page.rooms.map((r) => [r.room, r.kind]).sort(),
    [
      ['GUILD#g', 'guild'],
      [made.room, 'conversation'],
      ['hall', 'public'],
      ['staff', 'private'],
    ].sort(),
  )
  t.notOk('nextCursor' in page)
  const first = (await (await myRooms('ann', '?limit=3')).json()) as { rooms: unknown[]; nextCursor: string }
  t.equal(first.rooms.length, 3)
  const second = (await (await myRooms('ann', `?limit=3&cursor=${first.nextCursor}`)).json()) as {
    rooms: unknown[]
  }
  t.equal(second.rooms.length, 1)
  t.notOk('nextCursor' in second)
  for (const q of ['?limit=0', '?limit=101', '?limit=x', '?cursor=garbage!', '?cursor=eyJ4IjoxfQ']) {
    const res = await myRooms('ann', q)
    t.equal(res.status, 400, q)
    t.match(await res.json(), { error: 'invalid_request' })
  }
  t.same(await (await myRooms('nobody')).json(), { rooms: [] })
  t.ok(host)
})
