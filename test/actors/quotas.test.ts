// Per-user limits across rooms and connections, and per-connection caps (issue 8 item 2; join
// rate, item 3; reads that create nothing, item 4), on virtual time.
import t from 'tap'
import { ConnectRefusedError, createWorld, type TestClient, type TestWorld } from '../../actors/testing.ts'
import { utf8Length } from '../../actors/core/utf8-length.ts'
import { matchAll } from '../support/match-all.ts'

/** A `/ws` connection of `userId` in `n` rooms r0..r(n-1). */
async function inRooms(world: TestWorld, userId: string, n: number): Promise<TestClient> {
  const c = await world.connect(userId)
  for (let i = 0; i < n; i++) c.write({ type: 'join', room: `r${i}` })
  await world.settle()
  if (c.frames('welcome').length !== n) throw new Error(`joined ${c.frames('welcome').length} of ${n} rooms`)
  c.clear()
  return c
}

// Room creation, join and frame rates are not what these tests are about.
const manyRooms = { roomCreatesPerMinute: 1000, joinBurst: 1000, maxRoomsPerConnection: 1000, frameBurst: 10_000 }

t.test('sends of one user across many rooms are bounded by userSendBurst, then userSendPerSecond', async (t) => {
  const world = await createWorld({ limits: manyRooms })
  const { userSendBurst, userSendPerSecond, sendBurst } = world.host.limits
  const ann = await inRooms(world, 'ann', 100)
  // One message per room: the room bucket (burst 10) never refuses; only the user quota can.
  for (let i = 0; i < 100; i++) ann.write({ type: 'send', id: `k${i}`, text: 'x', room: `r${i}` })
  await world.settle()
  t.ok(sendBurst < 100, 'every room would take its message on its own')
  t.equal(ann.frames('ack').length, userSendBurst, `${userSendBurst} accepted across 100 rooms`)
  const refused = ann.frames('error')
  t.equal(refused.length, 100 - userSendBurst)
  t.match(refused[0], {
    code: 'rate_limited',
    ref: `k${userSendBurst}`,
    room: `r${userSendBurst}`,
    retryAfterMs: Math.ceil(1000 / userSendPerSecond),
  })
  t.equal(ann.closedWith, undefined, 'rate limiting does not close the connection')

  ann.clear()
  await world.advance(1000)
  for (let i = 0; i < 100; i++) ann.write({ type: 'send', id: `k${i}`, text: 'x', room: `r${i}` })
  await world.settle()
  t.equal(
    ann.frames('ack').length,
    userSendBurst + userSendPerSecond,
    'resends of stored ids are free; one second refills userSendPerSecond',
  )

  const bob = await world.connect('bob', { room: 'r0' })
  bob.write({ type: 'send', id: 'b', text: 'x' })
  await world.settle()
  t.equal(bob.frames('ack').length, 1, 'the quota is per user')
})

t.test('bytes of text per user across rooms: 4000 astral characters per message', async (t) => {
  const world = await createWorld({ limits: manyRooms })
  const { userSendBytesBurst, userSendBytesPerSecond } = world.host.limits
  const ann = await inRooms(world, 'ann', 30)
  const text = '😀'.repeat(4000) // 4000 code points, 16000 UTF-8 bytes
  const stored = async () => {
    let bytes = 0
    for (let i = 0; i < 30; i++) {
      for (const m of (await world.store.readPage(`r${i}`, { limit: 100 })).messages)
        bytes += new TextEncoder().encode(m.text).length
    }
    return bytes
  }
  for (let i = 0; i < 30; i++) ann.write({ type: 'send', id: `a${i}`, text, room: `r${i}` })
  await world.settle()
  const fit = Math.floor(userSendBytesBurst / 16000)
  t.equal(ann.frames('ack').length, fit, `${fit} messages of 16000 bytes fit the burst`)
  t.ok((await stored()) <= userSendBytesBurst, 'stored bytes within the burst')
  const need = 16000 - (userSendBytesBurst - fit * 16000)
  t.match(ann.frames('error')[0], {
    code: 'rate_limited',
    room: `r${fit}`,
    retryAfterMs: Math.ceil((need / userSendBytesPerSecond) * 1000),
  })

  // Keep sending for 10 virtual seconds: what is stored grows no faster than the refill.
  for (let s = 0; s < 10; s++) {
    await world.advance(1000)
    for (let i = 0; i < 30; i++) ann.write({ type: 'send', id: `s${s}-${i}`, text, room: `r${i}` })
    await world.settle()
  }
  const bytes = await stored()
  t.ok(
    bytes <= userSendBytesBurst + 10 * userSendBytesPerSecond,
    `${bytes} bytes stored in 10 s, within burst + 10 s of refill`,
  )
  t.ok(bytes > 10 * userSendBytesPerSecond - 16000, 'and the refill is usable')
})

t.test('the user quota is charged after the idempotency checks and refunded when nothing is stored', async (t) => {
  const world = await createWorld({ limits: { ...manyRooms, userSendBurst: 2, userSendPerSecond: 1 } })
  const ann = await inRooms(world, 'ann', 3)
  ann.write({ type: 'send', id: 'a', text: 'x', room: 'r0' })
  ann.write({ type: 'send', id: 'a', text: 'x', room: 'r0' }) // waits for the same ack
  await world.settle()
  ann.write({ type: 'send', id: 'a', text: 'x', room: 'r0' }) // known id: the original ack
  world.faults.failNext(1, 'append')
  ann.write({ type: 'send', id: 'b', text: 'x', room: 'r1' }) // storage fails: refunded
  await world.settle()
  matchAll(t, ann.frames('ack'), [{ id: 'a' }, { id: 'a' }, { id: 'a' }])
  matchAll(t, ann.frames('error'), [{ code: 'unavailable', ref: 'b' }])
  ann.write({ type: 'send', id: 'b', text: 'x', room: 'r1' })
  await world.settle()
  t.match(
    ann.frames('ack').at(-1),
    { id: 'b', room: 'r1' },
    'two sends stored, two tokens used: nothing for the repeats or the failure',
  )
  ann.write({ type: 'send', id: 'c', text: 'x', room: 'r2' })
  await world.settle()
  t.match(ann.frames('error').at(-1), { code: 'rate_limited', ref: 'c', room: 'r2' }, 'and the third is over the quota')
})

t.test('a resend found only by the store (past the window) gives its quota back', async (t) => {
  const window = 60_000
  // One token, refilled exactly once per window: after it the bucket holds one token.
  const limits = {
    ...manyRooms,
    userSendBurst: 1,
    userSendPerSecond: 1000 / window,
    idempotencyWindowMs: window,
    idleEvictMs: 10 * window,
  }
  const world = await createWorld({ limits })
  const ann = await inRooms(world, 'ann', 2)
  ann.write({ type: 'send', id: 'k', text: 'x', room: 'r0' })
  await world.settle()
  await world.advance(window)
  ann.write({ type: 'send', id: 'k', text: 'x', room: 'r0' }) // takes the token; the store finds the original
  await world.settle()
  t.equal(ann.frames('ack').length, 2)
  t.equal(ann.frames('ack')[1]!.seq, 1, 'the original ack')
  ann.write({ type: 'send', id: 'n', text: 'x', room: 'r1' })
  await world.settle()
  t.match(ann.frames('ack').at(-1), { id: 'n', room: 'r1' }, 'the token came back')
})

t.test('the quota table forgets users with no connection once their buckets are full', async (t) => {
  const world = await createWorld()
  let most = 0
  for (let wave = 0; wave < 20; wave++) {
    for (let i = 0; i < 50; i++) {
      const c = await world.connect(`u${wave}-${i}`, { room: 'lobby' })
      c.write({ type: 'send', id: 'k', text: 'x' })
      await world.settle()
      await c.disconnect()
      most = Math.max(most, world.host.quotas.size)
    }
    await world.advance(10_000)
  }
  t.ok(most <= 128, `at most ${most} entries for 1000 users who came and went`)
})

t.test(
  'rooms per connection: a join beyond maxRoomsPerConnection is limit_exceeded, not counted toward 1008',
  async (t) => {
    const world = await createWorld({ limits: { maxRoomsPerConnection: 3, joinBurst: 1000 } })
    const ann = await inRooms(world, 'ann', 3)
    ann.write({ type: 'join', room: 'r3' })
    await world.settle()
    matchAll(t, ann.frames(), [{ type: 'error', code: 'limit_exceeded', room: 'r3' }])
    ann.write({ type: 'join', room: 'r0' })
    await world.settle()
    t.match(ann.last(), { type: 'welcome', room: 'r0' }, 'joining a room it is in again is fine')
    for (let i = 0; i < world.host.limits.maxRefusals + 10; i++) ann.write({ type: 'join', room: 'r3' })
    await world.settle()
    t.equal(ann.closedWith, undefined, 'not a refused frame: the connection stays')
    ann.write({ type: 'leave', room: 'r1' })
    ann.write({ type: 'join', room: 'r3' })
    await world.settle()
    t.match(ann.last(), { type: 'welcome', room: 'r3' }, 'after a leave there is room again')
    t.equal(await world.store.getRoom('r4'), undefined, 'a refused join created nothing')
  },
)

t.test(
  'connections per user: past maxConnectionsPerUser a socket is closed at once (the check-then-open race)',
  async (t) => {
    const world = await createWorld({ limits: { maxConnectionsPerUser: 2 } })
    const one = await world.connect('ann')
    await world.connect('ann', { room: 'lobby' })
    t.notOk(world.host.mayConnect('ann'), 'the upgrade check says no')
    t.ok(world.host.mayConnect('bob'), 'per user')
    const third = await world.connect('ann', { room: 'lobby' })
    t.match(third.closedWith, { code: 1008 })
    matchAll(t, third.frames(), [{ type: 'error', code: 'limit_exceeded' }])
    t.same(world.host.activeRooms(), [{ room: 'lobby', connections: 1, users: 1 }], 'it never entered the room')
    await one.disconnect()
    t.ok(world.host.mayConnect('ann'), 'a closed connection frees its slot')
    const again = await world.connect('ann')
    t.equal(again.closedWith, undefined)
  },
)

t.test('rooms created on first use: roomCreatesPerMinute per user, rate_limited with retryAfterMs', async (t) => {
  const world = await createWorld({ limits: { roomCreatesPerMinute: 3 } })
  const ann = await world.connect('ann')
  for (let i = 0; i < 4; i++) ann.write({ type: 'join', room: `new${i}` })
  await world.settle()
  matchAll(t, ann.frames(), [
    { type: 'welcome', room: 'new0' },
    { type: 'welcome', room: 'new1' },
    { type: 'welcome', room: 'new2' },
    { type: 'error', code: 'rate_limited', room: 'new3', retryAfterMs: 20_000 },
  ])
  t.equal((await world.store.listRooms!()).length, 3, 'three room records')
  await t.rejects(
    world.connect('ann', { room: 'new4' }),
    new ConnectRefusedError('rate_limited'),
    'an upgrade is refused too (HTTP 429)',
  )
  const bob = await world.connect('bob', { room: 'new0' })
  t.equal(bob.closedWith, undefined, 'entering an existing room creates nothing and is not limited')
  ann.write({ type: 'join', room: 'new0' })
  await world.settle()
  t.match(ann.last(), { type: 'welcome', room: 'new0' })
  await world.advance(20_000)
  ann.write({ type: 'join', room: 'new3' })
  await world.settle()
  t.match(ann.last(), { type: 'welcome', room: 'new3' }, 'one more after 20 s')
  t.equal(ann.closedWith, undefined)
})

t.test('join and leave frames per connection: joinBurst, then joinsPerSecond', async (t) => {
  const world = await createWorld()
  const { joinBurst, joinsPerSecond } = world.host.limits
  const ann = await world.connect('ann')
  for (let i = 0; i < joinBurst + 5; i++) ann.write({ type: i % 2 ? 'leave' : 'join', room: 'lobby' })
  await world.settle()
  t.equal(ann.frames('welcome').length + ann.frames('left').length, joinBurst)
  const refused = ann.frames('error')
  t.equal(refused.length, 5)
  t.match(refused[0], { code: 'rate_limited', room: 'lobby', retryAfterMs: Math.ceil(1000 / joinsPerSecond) })
  t.equal(ann.closedWith, undefined)
  await world.advance(1000)
  ann.clear()
  for (let i = 0; i < joinBurst; i++) ann.write({ type: 'join', room: 'lobby' })
  await world.settle()
  t.equal(ann.frames('welcome').length, joinsPerSecond, 'refilled at joinsPerSecond')
})

t.test('reads never create rooms: access to read a room that does not exist creates no record', async (t) => {
  const world = await createWorld()
  for (let i = 0; i < 100; i++) t.same(await world.host.authorizeOrCreate(`ghost${i}`, 'ann', 'read'), { ok: true })
  t.same(await world.store.listRooms!(), [], 'no room records')
  t.same(await world.host.history('ghost0', {}), { messages: [], more: false })
  t.equal(world.isActive('ghost0'), false, 'no actor either')
  const ann = await world.connect('ann')
  ann.write({ type: 'history', room: 'ghost1' })
  await world.settle()
  matchAll(
    t,
    ann.frames(),
    [{ type: 'error', code: 'not_joined', room: 'ghost1' }],
    'a history frame needs a join, and creates nothing',
  )
  t.same(await world.store.listRooms!(), [])
  const closed = await createWorld({ autoCreateRooms: false })
  t.same(await closed.host.authorizeOrCreate('ghost', 'ann', 'read'), { ok: false, code: 'not_found' })
})

t.test('utf8Length counts what TextEncoder writes', async (t) => {
  for (const text of ['', 'abc', 'é', '€', '😀', '😀'.repeat(4000), 'a\ud800b', '\udc00', 'x\ud83d', 'mixé€😀'])
    t.equal(utf8Length(text), new TextEncoder().encode(text).length, JSON.stringify(text.slice(0, 8)))
})
