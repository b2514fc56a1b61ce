// Conversations (actors/conversations.ts, actors/open-conversation.ts): who the members are,
// one room per pair whoever asks, groups new each time, and the per-user creation limit that
// only a conversation actually made uses.
import t from 'tap'
import { isConversationOf, pairKey, planConversation } from '../../actors/conversations.ts'
import { openConversation, type OpenConversationDeps } from '../../actors/open-conversation.ts'
import { UserQuotas } from '../../actors/core/user-quota.ts'
import { defaultLimits } from '../../actors/limits.ts'
import { MemoryStore } from '../../actors/testing.ts'

t.test('planConversation: the caller added once, duplicates dropped, 1..49 others, ids checked', async (t) => {
  t.same(planConversation('bob', ['ann']), { ok: true, members: ['ann', 'bob'], pair: true })
  t.same(planConversation('bob', ['bob', 'ann', 'ann']), { ok: true, members: ['ann', 'bob'], pair: true })
  t.same(planConversation('b', ['c', 'a']), { ok: true, members: ['a', 'b', 'c'], pair: false })
  t.same(planConversation('a', ['Z', '😀']).ok && planConversation('a', ['Z', '😀']), {
    ok: true,
    members: ['Z', 'a', '😀'],
    pair: false,
  })
  const others = Array.from({ length: 49 }, (_, i) => `u${i}`)
  t.equal(planConversation('me', others).ok, true, 'the caller and 49 others')
  t.match(planConversation('me', [...others, 'u49']), { ok: false, message: /at most 49/ })
  t.match(planConversation('me', [...others, 'me', 'u0']), { ok: true }, 'the caller and repeats do not count')
  t.match(planConversation('me', []), { ok: false, message: /other than yourself/ })
  t.match(planConversation('me', ['me']), { ok: false, message: /other than yourself/ })
  t.match(planConversation('me', ['']), { ok: false, message: /1\.\.128/ })
  t.match(planConversation('me', ['x'.repeat(129)]), { ok: false, message: /1\.\.128/ })
  t.equal(planConversation('me', ['😀'.repeat(128)]).ok, true, 'code points, not UTF-16 units')
  t.equal(pairKey(['b', 'a']), pairKey(['a', 'b']))
  t.not(pairKey(['a","b', 'c']), pairKey(['a', 'b","c']), 'no pair spells another')
  t.notOk(isConversationOf({ roomId: 'x', visibility: 'public' }, ['a', 'b']))
  t.notOk(
    isConversationOf({ roomId: 'x', visibility: 'private', kind: 'conversation', members: ['a', 'c'] }, ['a', 'b']),
  )
  t.ok(isConversationOf({ roomId: 'x', visibility: 'private', kind: 'conversation', members: ['a', 'b'] }, ['a', 'b']))
})

function deps(store = new MemoryStore(), perMinute = 3) {
  let now = 0
  let ids = 0
  const d: OpenConversationDeps & { at(ms: number): void } = {
    store,
    quota: new UserQuotas({ ...defaultLimits, conversationsPerMinute: perMinute }, () => false),
    now: () => now,
    newId: () => `id${++ids}`,
    digest: async (text) =>
      btoa(text)
        .replace(/[^A-Za-z0-9]/g, '')
        .slice(0, 40),
    at(ms) {
      now = ms
    },
  }
  return d
}

t.test('a pair has one room, whichever of them asks and however often', async (t) => {
  const d = deps()
  const first = await openConversation(d, 'ann', ['bob'])
  t.match(first, { ok: true, members: ['ann', 'bob'], created: true, roomId: /^dm_/ })
  t.match(await openConversation(d, 'bob', ['ann']), { ok: true, created: false, roomId: first.ok && first.roomId })
  t.match(await openConversation(d, 'ann', ['bob', 'ann']), { ok: true, created: false })
  const record = await d.store.getRoom(first.ok ? first.roomId : '')
  t.match(record, { visibility: 'private', kind: 'conversation', members: ['ann', 'bob'] })
  t.ok(await d.store.isRoomMember(first.ok ? first.roomId : '', 'bob'))
})

t.test('groups are new each time, with a general room id', async (t) => {
  const d = deps()
  const a = await openConversation(d, 'ann', ['bob', 'cat'])
  const b = await openConversation(d, 'ann', ['bob', 'cat'])
  t.match(a, { ok: true, created: true, members: ['ann', 'bob', 'cat'] })
  t.match(b, { ok: true, created: true })
  t.not(a.ok && a.roomId, b.ok && b.roomId)
  t.match(a.ok && a.roomId, /^[A-Za-z0-9_-]{1,64}$/)
})

t.test(
  'the limit: conversations made per minute; asking for an existing pair is free, also at the limit',
  async (t) => {
    const d = deps(new MemoryStore(), 3)
    t.match(await openConversation(d, 'ann', ['bob']), { created: true })
    t.match(await openConversation(d, 'ann', ['cat']), { created: true })
    for (let i = 0; i < 5; i++) t.match(await openConversation(d, 'ann', ['bob']), { ok: true, created: false })
    t.match(await openConversation(d, 'ann', ['dan', 'eve']), { created: true })
    t.same(await openConversation(d, 'ann', ['fay']), {
      ok: false,
      code: 'rate_limited',
      message: 'too many new conversations; retry later',
      retryAfterMs: 20_000,
    })
    t.match(await openConversation(d, 'ann', ['cat']), { ok: true, created: false }, 'an existing pair at the limit')
    t.match(await openConversation(d, 'bob', ['fay']), { ok: true, created: true }, 'per user')
    d.at(20_000)
    t.match(await openConversation(d, 'ann', ['fay']), { ok: true, created: true }, 'refilled')
    t.match(await openConversation(d, 'ann', ['bob', 'bob']), { ok: true, created: false })
    t.match(await openConversation(d, 'ann', []), { ok: false, code: 'invalid_request' })
  },
)

t.test('a pair id taken by another room: the pair gets a random room, found again through the store', async (t) => {
  const d = deps(new MemoryStore(), 2)
  const probe = deps()
  const planned = await openConversation(probe, 'ann', ['bob'])
  // Someone made a public room under the pair's id first (a room created on first use).
  await d.store.createRoom({ roomId: planned.ok ? planned.roomId : '', visibility: 'public' })
  const made = await openConversation(d, 'ann', ['bob'])
  t.match(made, { ok: true, created: true, roomId: /^grp_/ })
  t.match(await openConversation(d, 'bob', ['ann']), { ok: true, created: false, roomId: made.ok && made.roomId })
  t.match(await openConversation(d, 'ann', ['cat']), { ok: true, created: true }, 'the refund left a token')
  t.match(await openConversation(d, 'ann', ['dan']), { ok: false, code: 'rate_limited' })
})

t.test('a store failure is unavailable and costs no token', async (t) => {
  const d = deps(new MemoryStore(), 1)
  const real = d.store.createConversation.bind(d.store)
  d.store.createConversation = () => Promise.reject(new Error('down'))
  t.match(await openConversation(d, 'ann', ['bob']), { ok: false, code: 'unavailable' })
  d.store.createConversation = real
  t.match(await openConversation(d, 'ann', ['bob']), { ok: true, created: true })
})

t.test(
  'a stale "no such room" never lets a non-member into a conversation (a first-use creation that lost)',
  async (t) => {
    const { authorizeOrCreate } = await import('../../actors/access.ts')
    const store = new MemoryStore()
    await store.createConversation({ roomId: 'grp_1', members: ['ann', 'bob'] })
    await store.putRoom({ roomId: 'open', visibility: 'public' })
    // A store that caches lookups answers from before the room was made, until told to forget.
    const cached: MemoryStore & { forgetAccess?(roomId: string): void } = store
    let stale = true
    const real = store.getRoom.bind(store)
    cached.getRoom = (roomId) => (stale ? Promise.resolve(undefined) : real(roomId))
    cached.forgetAccess = () => {
      stale = false
    }
    let refunds = 0
    const opts = {
      autoCreateRooms: true,
      creates: { takeCreate: () => ({ ok: true as const }), refundCreate: () => void refunds++ },
      now: () => 0,
    }
    const enter = (roomId: string, userId: string) => {
      stale = true
      return authorizeOrCreate(cached, opts, roomId, userId, 'enter')
    }
    t.same(await enter('grp_1', 'eve'), { ok: false, code: 'forbidden' })
    t.same(await enter('open', 'eve'), { ok: true }, 'a public room: in')
    t.same(await enter('grp_1', 'bob'), { ok: true }, 'a member: in')
    t.equal(refunds, 3, 'nothing was created: every creation refunded')
    t.equal((await store.getRoom('grp_1'))?.visibility, 'private', 'the conversation is untouched')
  },
)

t.test('a lookup cache: the pair is read afresh before charging, and forgotten after creating', async (t) => {
  const store: MemoryStore & { forgetAccess?(roomId: string, userId?: string): void } = new MemoryStore()
  const forgotten: string[] = []
  store.forgetAccess = (roomId: string, userId?: string) => void forgotten.push(`${roomId}/${userId ?? ''}`)
  const d = deps(store, 1)
  const made = await openConversation(d, 'ann', ['bob'])
  t.ok(made.ok)
  const room = made.ok ? made.roomId : ''
  t.same(forgotten, [`${room}/`, `${room}/ann`], 'a fresh read on a miss; the room forgotten once made')
})
