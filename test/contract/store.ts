/**
 * The Store port's contract (actors/store.ts, docs/protocol.md, "Room ids" to "Guarantees"), as tests that any
 * store must pass: `storeContract(t, 'memory', makeStore)`. Each case gets a fresh store from
 * `makeStore`. With `reopen`, the suite also closes the store and checks that a new one on the
 * same data sees everything (MemoryStore's reopen hands its maps to a new store, as a
 * storage service outlives a process). Timing-free: nothing here waits for a clock.
 */
import type { Test } from 'tap'
import {
  DuplicateMessageError,
  FencedError,
  SeqConflictError,
  type Store,
  type StoredMessage,
} from '../../actors/store.ts'
import { conversationContract } from './conversations.ts'

export interface StoreUnderTest {
  store: Store
  /** Called after the suite has closed `store`: open a new Store on the same data. */
  reopen: () => Promise<Store>
  /** Close whatever store is open and remove its data. */
  cleanup: () => Promise<void>
}

const T0 = 1_700_000_000_000
/** A deterministic ts for a seq: strictly increasing, 10 ms apart. */
export const tsOf = (seq: number): number => T0 + seq * 10

/** Messages `from .. from + n - 1` of a room, from `senderId`, with client ids `c<seq>`. */
export function messages(roomId: string, from: number, n: number, senderId = 'alice'): StoredMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const seq = from + i
    return {
      id: `m-${roomId.replace('#', '_')}-${seq}`,
      seq,
      roomId,
      senderId,
      text: `hello ${seq}`,
      ts: tsOf(seq),
      clientId: `c${seq}`,
    }
  })
}

/** Fill a room with seqs 1..n, in batches of at most 25 (DynamoDB transactions take 100 items). */
export async function fill(store: Store, roomId: string, n: number): Promise<StoredMessage[]> {
  const all = messages(roomId, 1, n)
  for (let i = 0; i < n; i += 25) await store.append(roomId, i, all.slice(i, i + 25))
  return all
}

const seqs = (ms: { seq: number }[]): number[] => ms.map((m) => m.seq)

type OwnershipStore = Store & Required<Pick<Store, 'claimRoom' | 'releaseRoom' | 'roomOwnership'>>

/** Ownership cases run only on stores that claim rooms (the embedded store is single-node). */
function hasOwnership(store: Store, t: Test): store is OwnershipStore {
  if (store.claimRoom && store.releaseRoom && store.roomOwnership) return true
  t.pass('single-node store: no room ownership')
  return false
}
const range = (lo: number, hi: number): number[] => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)

export function storeContract(t: Test, name: string, makeStore: () => Promise<StoreUnderTest>): void {
  /** One contract case on a fresh store, cleaned up whatever happens. */
  const check = (title: string, fn: (store: Store, sut: StoreUnderTest, t: Test) => Promise<void>) =>
    t.test(`${name}: ${title}`, async (t) => {
      const sut = await makeStore()
      t.teardown(sut.cleanup)
      await fn(sut.store, sut, t)
    })

  // Conversations and "my rooms" (issue 13): their own file, the same fresh store per case.
  conversationContract(t, name, makeStore)

  check('an empty room', async (store, _, t) => {
    t.same(await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 }), {
      seq: 0,
      lastTs: 0,
      recent: [],
      idempotent: [],
    })
    t.same(await store.readPage('lobby', { limit: 10 }), { messages: [], more: false })
    t.same(await store.readPage('lobby', { before: 5, limit: 10 }), { messages: [], more: false })
    t.same(await store.readPage('lobby', { after: 0, limit: 10 }), { messages: [], more: false })
    t.equal(await store.findByClientId('lobby', 'alice', 'c1'), undefined)
    t.equal(await store.getReadMarker('lobby', 'alice'), 0)
  })

  check('append then loadRoom', async (store, _, t) => {
    const first = messages('lobby', 1, 5)
    const second = messages('lobby', 6, 3)
    await store.append('lobby', 0, first)
    await store.append('lobby', 5, second)
    const all = [...first, ...second]

    const snap = await store.loadRoom('lobby', { recentLimit: 3, idempotencySince: tsOf(6) })
    t.equal(snap.seq, 8)
    t.equal(snap.lastTs, tsOf(8))
    t.same(snap.recent, all.slice(5), 'recent: the newest, oldest first')
    t.same(snap.idempotent, all.slice(5), 'idempotent: ts >= idempotencySince, oldest first')

    const wide = await store.loadRoom('lobby', { recentLimit: 100, idempotencySince: 0 })
    t.same(wide.recent, all, 'a limit above the count returns everything')
    t.same(wide.idempotent, all)
    const between = await store.loadRoom('lobby', { recentLimit: 1, idempotencySince: tsOf(6) - 1 })
    t.same(seqs(between.recent), [8])
    t.same(seqs(between.idempotent), [6, 7, 8], 'the window is by ts, not by seq')
    const none = await store.loadRoom('lobby', { recentLimit: 2, idempotencySince: tsOf(8) + 1 })
    t.same(none.idempotent, [])
  })

  check('messages round-trip exactly', async (store, _, t) => {
    const text = `héllo 👋 "quoted" \\ back\nslash ${'🎉'.repeat(3990)}`
    const m: StoredMessage = {
      id: 'Ab_-9',
      seq: 1,
      roomId: 'lobby',
      senderId: 'user|42',
      text,
      ts: tsOf(1),
      clientId: 'k#1 ü',
    }
    await store.append('lobby', 0, [m])
    t.same((await store.readPage('lobby', { limit: 1 })).messages, [m])
    t.same(await store.findByClientId('lobby', 'user|42', 'k#1 ü'), m)
    t.same((await store.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).recent, [m])
  })

  check('a wrong expectedSeq rejects with SeqConflictError and stores nothing', async (store, _, t) => {
    await store.append('lobby', 0, messages('lobby', 1, 3))
    await t.rejects(store.append('lobby', 2, messages('lobby', 3, 2)), SeqConflictError, 'behind the head')
    await t.rejects(store.append('lobby', 5, messages('lobby', 6, 1)), SeqConflictError, 'past the head')
    await t.rejects(store.append('lobby', 0, messages('lobby', 1, 1)), SeqConflictError, 'from scratch')
    await t.rejects(store.append('empty', 1, messages('empty', 2, 1)), SeqConflictError, 'an empty room')
    const snap = await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })
    t.equal(snap.seq, 3)
    t.same(seqs((await store.readPage('lobby', { limit: 10 })).messages), [1, 2, 3])
    t.equal(await store.findByClientId('lobby', 'alice', 'c4'), undefined)
    t.equal((await store.loadRoom('empty', { recentLimit: 1, idempotencySince: 0 })).seq, 0)
    await store.append('lobby', 3, messages('lobby', 4, 1))
    t.equal(
      (await store.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq,
      4,
      'the right head still works',
    )
  })

  check('concurrent appends at the same head: exactly one wins', async (store, _, t) => {
    await store.append('lobby', 0, messages('lobby', 1, 1))
    const a = messages('lobby', 2, 2, 'alice')
    const b = messages('lobby', 2, 3, 'bob')
    const results = await Promise.allSettled([store.append('lobby', 1, a), store.append('lobby', 1, b)])
    const won = results.filter((r) => r.status === 'fulfilled').length
    t.equal(won, 1)
    const lost = results.find((r) => r.status === 'rejected')
    t.type(lost?.reason, SeqConflictError)
    const page = await store.readPage('lobby', { limit: 10 })
    const winner = results[0]?.status === 'fulfilled' ? a : b
    t.same(page.messages.slice(1), winner, 'only the winning batch, whole')
  })

  check('a stored idempotency key rejects the whole batch', async (store, _, t) => {
    await store.append('lobby', 0, messages('lobby', 1, 1))
    const batch: StoredMessage[] = [
      { ...messages('lobby', 2, 1)[0]!, senderId: 'bob', clientId: 'fresh' },
      { ...messages('lobby', 3, 1)[0]!, clientId: 'c1' },
    ]
    const err = await store.append('lobby', 1, batch).then(
      () => undefined,
      (e: unknown) => e,
    )
    t.type(err, DuplicateMessageError, 'alice already sent c1: DuplicateMessageError')
    t.match(err, { senderId: 'alice', clientId: 'c1' }, 'naming the key, so the room can look up the original')
    t.equal((await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq, 1)
    t.equal(await store.findByClientId('lobby', 'bob', 'fresh'), undefined, 'nothing of the batch')
    t.equal((await store.readPage('lobby', { limit: 10 })).messages.length, 1)

    const twice = messages('lobby', 2, 2).map((m) => ({ ...m, clientId: 'same' }))
    await t.rejects(store.append('lobby', 1, twice), 'a key repeated within a batch')
    t.equal((await store.readPage('lobby', { limit: 10 })).messages.length, 1)

    await store.append('lobby', 1, [{ ...messages('lobby', 2, 1)[0]!, senderId: 'bob', clientId: 'c1' }])
    await store.append('other', 0, messages('other', 1, 1))
    t.equal(
      (await store.findByClientId('lobby', 'bob', 'c1'))?.seq,
      2,
      'the same client id from another sender is fine',
    )
    t.equal((await store.findByClientId('other', 'alice', 'c1'))?.roomId, 'other', 'and in another room')
  })

  check('idempotency keys are unambiguous: no sender and id pair spells another', async (store, _, t) => {
    // Each pair would meet another if sender and id were joined with a separator or escaped badly.
    const pairs: [string, string][] = [
      ['a', 'b\u0000c'],
      ['a\u0000b', 'c'],
      ['a', 'b#c'],
      ['a#b', 'c'],
      ['a%23b', 'c'],
      ['a', 'b:c'],
      ['1:a', 'c'],
      ['a:b', 'c'],
    ]
    const batch = pairs.map(([senderId, clientId], i) => ({ ...messages('lobby', i + 1, 1)[0]!, senderId, clientId }))
    await store.append('lobby', 0, batch)
    t.equal(
      (await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq,
      pairs.length,
      'every one stored',
    )
    for (const m of batch)
      t.same(await store.findByClientId('lobby', m.senderId, m.clientId), m, JSON.stringify([m.senderId, m.clientId]))
    const again = { ...messages('lobby', pairs.length + 1, 1)[0]!, senderId: 'a\u0000b', clientId: 'c' }
    await t.rejects(
      store.append('lobby', pairs.length, [again]),
      DuplicateMessageError,
      'and each is still a duplicate of itself',
    )
  })

  check('readPage: newest, before, after, limits and more', async (store, _, t) => {
    await fill(store, 'lobby', 150)
    const page = async (q: { before?: number; after?: number; limit: number }) => {
      const p = await store.readPage('lobby', q)
      return { seqs: seqs(p.messages), more: p.more }
    }
    t.same(await page({ limit: 10 }), { seqs: range(141, 150), more: true }, 'newest page')
    t.same(await page({ limit: 1 }), { seqs: [150], more: true })
    t.same(await page({ limit: 100 }), { seqs: range(51, 150), more: true })
    t.same(await page({ before: 11, limit: 5 }), { seqs: range(6, 10), more: true })
    t.same(await page({ before: 6, limit: 5 }), { seqs: range(1, 5), more: false }, 'exactly the oldest')
    t.same(await page({ before: 4, limit: 10 }), { seqs: [1, 2, 3], more: false })
    t.same(await page({ before: 1, limit: 10 }), { seqs: [], more: false })
    t.same(await page({ before: 151, limit: 3 }), { seqs: [148, 149, 150], more: true })
    t.same(await page({ before: 1000, limit: 3 }), { seqs: [148, 149, 150], more: true }, 'before past the head')
    t.same(await page({ after: 0, limit: 10 }), { seqs: range(1, 10), more: true }, 'oldest page')
    t.same(await page({ after: 140, limit: 10 }), { seqs: range(141, 150), more: false }, 'exactly the newest')
    t.same(await page({ after: 139, limit: 10 }), { seqs: range(140, 149), more: true })
    t.same(await page({ after: 145, limit: 100 }), { seqs: range(146, 150), more: false })
    t.same(await page({ after: 150, limit: 10 }), { seqs: [], more: false })
    t.same(await page({ after: 999, limit: 10 }), { seqs: [], more: false })

    await fill(store, 'small', 3)
    t.same(seqs((await store.readPage('small', { limit: 50 })).messages), [1, 2, 3])
    t.equal((await store.readPage('small', { limit: 3 })).more, false, 'a page of everything has no more')
    t.equal((await store.readPage('small', { limit: 2 })).more, true)
  })

  check('findByClientId', async (store, _, t) => {
    const all = await fill(store, 'lobby', 30)
    t.same(await store.findByClientId('lobby', 'alice', 'c7'), all[6])
    t.equal(await store.findByClientId('lobby', 'bob', 'c7'), undefined, 'keyed by sender too')
    t.equal(await store.findByClientId('GUILD#lobby', 'alice', 'c7'), undefined, 'and by room')
  })

  check('read markers only move forward', async (store, _, t) => {
    t.equal(await store.getReadMarker('lobby', 'alice'), 0)
    t.equal(await store.advanceReadMarker('lobby', 'alice', 5), 5)
    t.equal(await store.advanceReadMarker('lobby', 'alice', 3), 5, 'backwards is ignored')
    t.equal(await store.advanceReadMarker('lobby', 'alice', 5), 5)
    t.equal(await store.getReadMarker('lobby', 'alice'), 5)
    t.equal(await store.advanceReadMarker('lobby', 'alice', 9), 9)
    t.equal(await store.getReadMarker('lobby', 'bob'), 0, 'per user')
    t.equal(await store.getReadMarker('GUILD#lobby', 'alice'), 0, 'per room')
    t.equal(await store.getReadMarker('lobby', 'alice'), 9)
  })

  check('rooms: putRoom says whether it created', async (store, _, t) => {
    t.equal(await store.getRoom('lobby'), undefined)
    t.equal(await store.putRoom({ roomId: 'lobby', visibility: 'public' }), true)
    t.same(await store.getRoom('lobby'), { roomId: 'lobby', visibility: 'public' })
    t.equal(await store.putRoom({ roomId: 'lobby', visibility: 'private' }), false, 'an update')
    t.same(await store.getRoom('lobby'), { roomId: 'lobby', visibility: 'private' })
    t.equal(await store.putRoom({ roomId: 'lobby', visibility: 'private' }), false, 'the same again')
    t.equal(await store.putRoom({ roomId: 'dev', visibility: 'public' }), true)
    if (store.listRooms) {
      const rooms = (await store.listRooms()).sort((a, b) => a.roomId.localeCompare(b.roomId))
      t.same(rooms, [
        { roomId: 'dev', visibility: 'public' },
        { roomId: 'lobby', visibility: 'private' },
      ])
    }
  })

  check('private room members', async (store, _, t) => {
    t.equal(await store.isRoomMember('lobby', 'alice'), false)
    await store.putRoomMember('lobby', 'alice')
    await store.putRoomMember('lobby', 'alice')
    t.equal(await store.isRoomMember('lobby', 'alice'), true, 'put is idempotent')
    t.equal(await store.isRoomMember('lobby', 'bob'), false)
    t.equal(await store.isRoomMember('dev', 'alice'), false, 'per room')
    t.equal(await store.deleteRoomMember('lobby', 'alice'), true)
    t.equal(await store.deleteRoomMember('lobby', 'alice'), false, 'deleting the absent says so')
    t.equal(await store.isRoomMember('lobby', 'alice'), false)
  })

  check('guild members', async (store, _, t) => {
    t.equal(await store.isGuildMember('g', 'alice'), false)
    await store.putGuildMember('g', 'alice')
    await store.putGuildMember('g', 'alice')
    t.equal(await store.isGuildMember('g', 'alice'), true)
    t.equal(await store.isGuildMember('h', 'alice'), false, 'per guild')
    t.equal(await store.isRoomMember('g', 'alice'), false, 'a guild member is not a room member')
    await store.putRoomMember('h', 'bob')
    t.equal(await store.isGuildMember('h', 'bob'), false, 'nor a room member a guild member')
    t.equal(await store.deleteGuildMember('g', 'alice'), true)
    t.equal(await store.deleteGuildMember('g', 'alice'), false)
    t.equal(await store.isGuildMember('g', 'alice'), false)
  })

  check('members are listed in pages, in code point order, per room and per guild', async (store, _, t) => {
    // Code point order, as DynamoDB sorts keys; JavaScript's default sort would put the emoji
    // (a surrogate pair) before U+FF5E.
    const users = ['a', 'b#c', 'b', 'z', '\uff5e', '😀x', 'Z']
    for (const u of users) await store.putGuildMember('g', u)
    await store.putGuildMember('h', 'other')
    await store.putRoomMember('g', 'room-member')
    await store.putGuildMember('g', 'gone')
    await store.deleteGuildMember('g', 'gone')
    const order = ['Z', 'a', 'b', 'b#c', 'z', '\uff5e', '😀x']
    t.same(await store.listGuildMembers('g', { limit: 100 }), { members: order }, 'one page: no next')
    const seen: string[] = []
    let after: string | undefined
    let pages = 0
    do {
      const page = await store.listGuildMembers('g', { limit: 3, ...(after !== undefined && { after }) })
      t.ok(page.members.length <= 3)
      seen.push(...page.members)
      after = page.next
      pages++
    } while (after !== undefined && pages < 10)
    t.same(seen, order, 'pages of 3 list everyone once, in order')
    t.equal(pages, 3)
    t.same(await store.listGuildMembers('g', { limit: 7 }), { members: order }, 'exactly all: no next')
    t.same(await store.listGuildMembers('g', { limit: 2, after: 'b' }), { members: ['b#c', 'z'], next: 'z' })
    t.same(
      await store.listGuildMembers('g', { limit: 5, after: 'gone' }),
      { members: ['z', '\uff5e', '😀x'] },
      'after a removed member',
    )
    t.same(await store.listGuildMembers('none', { limit: 5 }), { members: [] })
    t.same(
      await store.listRoomMembers('g', { limit: 5 }),
      { members: ['room-member'] },
      'room members apart from guild members',
    )
    t.same(await store.listRoomMembers('lobby', { limit: 5 }), { members: [] })
  })

  check('closeRoom keeps the room and its history; putRoom reopens it', async (store, _, t) => {
    t.equal(await store.closeRoom('nowhere'), false, 'no such room: nothing created')
    t.equal(await store.getRoom('nowhere'), undefined)
    await store.putRoom({ roomId: 'lobby', visibility: 'private' })
    await store.putRoomMember('lobby', 'alice')
    await fill(store, 'lobby', 3)
    t.equal(await store.closeRoom('lobby'), true)
    t.equal(await store.closeRoom('lobby'), true, 'closing again is fine')
    t.same(await store.getRoom('lobby'), { roomId: 'lobby', visibility: 'private', closed: true })
    t.same(seqs((await store.readPage('lobby', { limit: 10 })).messages), [1, 2, 3], 'history kept')
    t.equal(await store.isRoomMember('lobby', 'alice'), true, 'members kept')
    if (store.listRooms) t.same(await store.listRooms(), [{ roomId: 'lobby', visibility: 'private', closed: true }])
    t.equal(await store.putRoom({ roomId: 'lobby', visibility: 'public' }), false, 'reopened, not created')
    t.same(await store.getRoom('lobby'), { roomId: 'lobby', visibility: 'public' })
  })

  check('createRoom creates only where no record exists, and never changes one', async (store, _, t) => {
    t.equal(await store.createRoom({ roomId: 'fresh', visibility: 'public' }), true, 'created')
    t.equal(await store.createRoom({ roomId: 'fresh', visibility: 'public' }), false, 'second creation creates nothing')
    t.same(await store.getRoom('fresh'), { roomId: 'fresh', visibility: 'public' })
    await store.putRoom({ roomId: 'staff', visibility: 'private' })
    t.equal(await store.createRoom({ roomId: 'staff', visibility: 'public' }), false)
    t.same(
      await store.getRoom('staff'),
      { roomId: 'staff', visibility: 'private' },
      "an admin's private room stays private",
    )
    await store.putRoom({ roomId: 'shut', visibility: 'public' })
    await store.closeRoom('shut')
    t.equal(await store.createRoom({ roomId: 'shut', visibility: 'public' }), false)
    t.same(
      await store.getRoom('shut'),
      { roomId: 'shut', visibility: 'public', closed: true },
      'a closed room stays closed',
    )
    // Both at once: exactly one of them creates.
    const both = await Promise.all([
      store.createRoom({ roomId: 'race', visibility: 'public' }),
      store.createRoom({ roomId: 'race', visibility: 'public' }),
    ])
    t.same(both.filter(Boolean).length, 1, 'one of two concurrent creations wins')
  })

  check('a creation racing an admin write never overwrites it', async (store, _, t) => {
    const [, created] = await Promise.all([
      store.putRoom({ roomId: 'contested', visibility: 'private' }),
      store.createRoom({ roomId: 'contested', visibility: 'public' }),
    ])
    const room = await store.getRoom('contested')
    // Whichever landed first, the admin's visibility is the one that stays.
    t.equal(room?.visibility, 'private', `admin's record kept (creation ${created ? 'landed first' : 'found it'})`)
  })

  check('rooms are isolated: lobby, GUILD#lobby, GUILD#g', async (store, _, t) => {
    await fill(store, 'lobby', 4)
    await fill(store, 'GUILD#lobby', 2)
    await fill(store, 'GUILD#g', 3)
    for (const [room, head] of [
      ['lobby', 4],
      ['GUILD#lobby', 2],
      ['GUILD#g', 3],
    ] as const) {
      const snap = await store.loadRoom(room, { recentLimit: 10, idempotencySince: 0 })
      t.equal(snap.seq, head, `${room} has its own seq`)
      t.same(new Set(snap.recent.map((m) => m.roomId)), new Set([room]))
      t.equal((await store.findByClientId(room, 'alice', 'c2'))?.roomId, room)
    }
    await t.rejects(store.append('GUILD#g', 4, messages('GUILD#g', 5, 1)), SeqConflictError)
    await store.advanceReadMarker('GUILD#g', 'alice', 3)
    t.equal(await store.getReadMarker('lobby', 'alice'), 0)
    t.equal(await store.getReadMarker('GUILD#g', 'alice'), 3)
  })

  check('the events cursor only moves forward, per room', async (store, _, t) => {
    t.equal(await store.getEventsCursor('lobby'), 0)
    await store.advanceEventsCursor('lobby', 5)
    await store.advanceEventsCursor('lobby', 3)
    t.equal(await store.getEventsCursor('lobby'), 5, 'backwards is ignored (a former owner writing late)')
    await store.advanceEventsCursor('GUILD#lobby', 2)
    t.equal(await store.getEventsCursor('GUILD#lobby'), 2, 'guild rooms have their own')
    t.equal(await store.getEventsCursor('lobby'), 5)
    await fill(store, 'lobby', 3)
    const page = await store.readPage('lobby', { limit: 10 })
    t.same(
      page.messages.map((m) => m.seq),
      [1, 2, 3],
      'the cursor is no message',
    )
    t.equal((await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq, 3)
  })

  check('everything survives a reopen', async (first, sut, t) => {
    const lobby = await fill(first, 'lobby', 60)
    const guild = await fill(first, 'GUILD#g', 7)
    await first.advanceReadMarker('lobby', 'alice', 40)
    await first.advanceReadMarker('GUILD#g', 'bob', 2)
    await first.putRoom({ roomId: 'lobby', visibility: 'public' })
    await first.putRoom({ roomId: 'secret', visibility: 'public' })
    await first.putRoom({ roomId: 'secret', visibility: 'private' })
    await first.putRoomMember('secret', 'alice')
    await first.putRoomMember('secret', 'bob')
    await first.deleteRoomMember('secret', 'bob')
    await first.putGuildMember('g', 'alice')
    await first.putGuildMember('g', 'carol')
    await first.deleteGuildMember('g', 'carol')
    await first.putRoom({ roomId: 'shut', visibility: 'public' })
    await first.closeRoom('shut')
    await first.advanceEventsCursor('lobby', 17)
    await first.close()

    const store = await sut.reopen()
    const snap = await store.loadRoom('lobby', { recentLimit: 5, idempotencySince: tsOf(51) })
    t.equal(snap.seq, 60)
    t.equal(snap.lastTs, tsOf(60))
    t.same(snap.recent, lobby.slice(55))
    t.same(snap.idempotent, lobby.slice(50))
    t.same((await store.readPage('lobby', { before: 11, limit: 10 })).messages, lobby.slice(0, 10))
    t.same((await store.readPage('GUILD#g', { limit: 50 })).messages, guild)
    t.same(await store.findByClientId('lobby', 'alice', 'c33'), lobby[32])
    t.equal(await store.getReadMarker('lobby', 'alice'), 40)
    t.equal(await store.getReadMarker('GUILD#g', 'bob'), 2)
    t.same(await store.getRoom('secret'), { roomId: 'secret', visibility: 'private' })
    t.equal(await store.putRoom({ roomId: 'lobby', visibility: 'public' }), false, 'still exists')
    t.equal(await store.isRoomMember('secret', 'alice'), true)
    t.equal(await store.isRoomMember('secret', 'bob'), false)
    t.equal(await store.isGuildMember('g', 'alice'), true)
    t.equal(await store.isGuildMember('g', 'carol'), false)
    t.same(await store.listGuildMembers('g', { limit: 10 }), { members: ['alice'] })
    t.same(await store.listRoomMembers('secret', { limit: 10 }), { members: ['alice'] })
    t.same(await store.getRoom('shut'), { roomId: 'shut', visibility: 'public', closed: true })
    t.equal(await store.advanceReadMarker('lobby', 'alice', 39), 40, 'markers still only go forward')
    t.equal(await store.getEventsCursor('lobby'), 17, 'the events cursor survived')

    await t.rejects(store.append('lobby', 59, messages('lobby', 60, 1)), SeqConflictError, 'the head survived')
    const dup = { ...messages('lobby', 61, 1)[0]!, clientId: 'c1' }
    await t.rejects(store.append('lobby', 60, [dup]), DuplicateMessageError, 'old idempotency keys survived')
    await store.append('lobby', 60, messages('lobby', 61, 1))
    t.equal((await store.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq, 61)
  })

  // --- room ownership: only stores that implement claimRoom (cluster stores; docs/storage.md) ---

  check('ownership: claims raise the epoch by one and name the owner they replaced', async (store, _, t) => {
    if (!hasOwnership(store, t)) return
    t.same(await store.roomOwnership('lobby'), { epoch: 0 }, 'never claimed: epoch 0, no owner')
    t.same(await store.claimRoom('lobby', 'n1'), { epoch: 1, previous: { epoch: 0 } }, 'the first claim')
    t.same(await store.roomOwnership('lobby'), { node: 'n1', epoch: 1 })
    t.same(await store.claimRoom('lobby', 'n2'), { epoch: 2, previous: { node: 'n1', epoch: 1 } }, 'taken over')
    t.same(await store.roomOwnership('lobby'), { node: 'n2', epoch: 2 })
    t.same(
      await store.claimRoom('lobby', 'n2'),
      { epoch: 3, previous: { node: 'n2', epoch: 2 } },
      'a claim by the owner raises it too',
    )
    t.same(await store.claimRoom('GUILD#lobby', 'n1'), { epoch: 1, previous: { epoch: 0 } }, 'per room')
    t.same(await store.roomOwnership('other'), { epoch: 0 })
  })

  check('ownership: an append with a stale fence is refused whole; the current fence writes', async (store, _, t) => {
    if (!hasOwnership(store, t)) return
    await t.rejects(
      store.append('lobby', 0, messages('lobby', 1, 1), 1),
      FencedError,
      'a room never claimed has no epoch to match',
    )
    const { epoch: old } = await store.claimRoom('lobby', 'n1')
    await store.append('lobby', 0, messages('lobby', 1, 2), old)
    const { epoch: current } = await store.claimRoom('lobby', 'n2')
    const late = messages('lobby', 3, 2)
    await t.rejects(store.append('lobby', 2, late, old), FencedError, 'the old owner, at the right head')
    await t.rejects(
      store.append('lobby', 5, messages('lobby', 6, 1, 'bob'), old),
      FencedError,
      'at a wrong head too: the fence is what it must learn',
    )
    t.equal((await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq, 2, 'head unchanged')
    t.same(seqs((await store.readPage('lobby', { limit: 10 })).messages), [1, 2], 'nothing readable')
    t.equal(await store.findByClientId('lobby', 'alice', 'c3'), undefined, 'its idempotency key not taken')
    await t.rejects(
      store.append('lobby', 1, messages('lobby', 2, 1, 'bob'), current),
      SeqConflictError,
      'the right fence at a wrong head',
    )
    await store.append('lobby', 2, late, current)
    t.equal((await store.findByClientId('lobby', 'alice', 'c3'))?.seq, 3, 'the same messages, with the current fence')
    await t.rejects(
      store.append('lobby', 4, messages('lobby', 5, 1), old),
      FencedError,
      'and the old fence stays refused',
    )
    await store.append('lobby', 4, messages('lobby', 5, 1))
    t.equal(
      (await store.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq,
      5,
      'an append without fence ignores ownership',
    )
  })

  check(
    'ownership: release clears the owner, keeps the epoch, only for the owner at its epoch',
    async (store, _, t) => {
      if (!hasOwnership(store, t)) return
      t.equal(await store.releaseRoom('lobby', 'n1', 0), false, 'never claimed')
      await store.claimRoom('lobby', 'n1')
      await store.claimRoom('lobby', 'n2')
      t.equal(await store.releaseRoom('lobby', 'n1', 1), false, 'the old owner at its stale epoch')
      t.equal(await store.releaseRoom('lobby', 'n1', 2), false, 'another node at the current epoch')
      t.equal(await store.releaseRoom('lobby', 'n2', 1), false, 'the owner at a stale epoch')
      t.same(await store.roomOwnership('lobby'), { node: 'n2', epoch: 2 }, 'nothing changed')
      t.equal(await store.releaseRoom('lobby', 'n2', 2), true, 'the owner at its epoch')
      t.same(await store.roomOwnership('lobby'), { epoch: 2 }, 'no owner, the epoch kept')
      t.equal(await store.releaseRoom('lobby', 'n2', 2), true, 'released again (a retry): still true')
      t.equal(await store.releaseRoom('lobby', 'n1', 2), false, 'but not for another node')
      t.same(
        await store.claimRoom('lobby', 'n3'),
        { epoch: 3, previous: { epoch: 2 } },
        'the next claim: epoch + 1, a clean handoff',
      )
      t.equal(await store.releaseRoom('lobby', 'n2', 2), false, 'a release after the next claim')
      t.same(await store.roomOwnership('lobby'), { node: 'n3', epoch: 3 })
    },
  )

  check('ownership: concurrent claims each get their own epoch, in one order', async (store, sut, t) => {
    if (!hasOwnership(store, t)) return
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5']
    const claims = await Promise.all(nodes.map((n) => store.claimRoom('lobby', n)))
    t.same(
      claims.map((c) => c.epoch).sort((a, b) => a - b),
      [1, 2, 3, 4, 5],
      'five distinct epochs',
    )
    const byEpoch = new Map(claims.map((c, i) => [c.epoch, { node: nodes[i]!, claim: c }]))
    for (const [epoch, { claim }] of byEpoch) {
      const before = byEpoch.get(epoch - 1)
      t.same(
        claim.previous,
        before ? { node: before.node, epoch: epoch - 1 } : { epoch: 0 },
        `epoch ${epoch} replaced the claim before it`,
      )
    }
    const last = byEpoch.get(5)!.node
    t.same(await store.roomOwnership('lobby'), { node: last, epoch: 5 }, 'the last claim owns the room')
    await store.close()
    const reopened = await sut.reopen()
    t.same(await reopened.roomOwnership?.('lobby'), { node: last, epoch: 5 }, 'ownership survives a reopen')
    t.same(await reopened.claimRoom?.('lobby', 'n6'), { epoch: 6, previous: { node: last, epoch: 5 } })
  })
}
