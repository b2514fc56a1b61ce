// "My rooms" (actors/my-rooms.ts, actors/list-my-rooms.ts): which rooms are the user's and of
// which kind, newest activity first with ties by id, pages that neither repeat nor skip a
// room, the cursor, the cap, and a page's cost in store calls whatever the number of rooms.
import t from 'tap'
import { compareActivity, decodeCursor, encodeCursor, ownRooms, pageOfRooms } from '../../actors/my-rooms.ts'
import { listMyRooms, type MyRoomsResult } from '../../actors/list-my-rooms.ts'
import { MemoryStore } from '../../actors/testing.ts'
import type { RoomHead, RoomRecord, Store, StoredMessage } from '../../actors/store.ts'

const rec = (roomId: string, extra: Partial<RoomRecord> = {}): RoomRecord => ({
  roomId,
  visibility: 'public',
  ...extra,
})

t.test("ownRooms: kinds, and the entries that are not the user's", async (t) => {
  const records = new Map<string, RoomRecord>([
    ['pub', rec('pub')],
    ['priv', rec('priv', { visibility: 'private' })],
    ['gone-priv', rec('gone-priv', { visibility: 'private' })],
    ['conv', rec('conv', { visibility: 'private', kind: 'conversation', members: ['a', 'b'] })],
    ['shut', rec('shut', { closed: true })],
  ])
  const mine = ownRooms(
    ['conv', 'gone-priv', 'none', 'priv', 'pub', 'shut'],
    ['g1'],
    records,
    new Set(['conv', 'priv']),
  )
  t.same(mine, [
    { room: 'conv', kind: 'conversation', members: ['a', 'b'] },
    { room: 'priv', kind: 'private' },
    { room: 'pub', kind: 'public' },
    { room: 'GUILD#g1', kind: 'guild' },
  ])
})

t.test('order: newest activity first, rooms without a message last, ties by room id', async (t) => {
  const rooms = ['c', 'a', 'b', 'quiet2', 'quiet1'].map((room) => ({ room, kind: 'public' as const }))
  const heads = new Map<string, RoomHead>([
    ['a', { seq: 1, lastTs: 100 }],
    ['b', { seq: 5, lastTs: 300 }],
    ['c', { seq: 2, lastTs: 100 }],
  ])
  const { page, next } = pageOfRooms(rooms, heads, 10)
  t.same(
    page.map((r) => r.room),
    ['b', 'a', 'c', 'quiet1', 'quiet2'],
  )
  t.equal(next, undefined, 'one page: no cursor')
  t.ok(compareActivity({ lastTs: 1, room: 'z' }, { lastTs: 0, room: 'a' }) < 0)
  t.ok(compareActivity({ lastTs: 1, room: 'a' }, { lastTs: 1, room: 'b' }) < 0)
  t.ok(compareActivity({ lastTs: 1, room: 'Z' }, { lastTs: 1, room: 'a' }) < 0, 'code point order: Z before a')
})

t.test('paging: every room once, in order, whatever the page size; the last page has no cursor', async (t) => {
  const rooms = Array.from({ length: 23 }, (_, i) => ({ room: `r${i}`, kind: 'public' as const }))
  // Ties on purpose: every third room shares its ts with the next.
  const heads = new Map<string, RoomHead>(rooms.map((r, i) => [r.room, { seq: i, lastTs: 1000 + Math.floor(i / 3) }]))
  for (let i = 5; i < 8; i++) heads.delete(`r${i}`)
  const all = pageOfRooms(rooms, heads, 100).page.map((r) => r.room)
  for (const limit of [1, 2, 5, 7, 22, 23, 50]) {
    const seen: string[] = []
    let after: ReturnType<typeof pageOfRooms>['next']
    for (let pages = 0; ; pages++) {
      const { page, next } = pageOfRooms(rooms, heads, limit, after)
      t.ok(page.length <= limit)
      seen.push(...page.map((r) => r.room))
      if (!next) break
      after = decodeCursor(encodeCursor(next))
      t.ok(pages < 100)
    }
    t.same(seen, all, `limit ${limit}: each room once, in the one order`)
  }
  t.equal(new Set(all).size, 23)
})

t.test('cursor: round trip; garbage and hand-made nonsense are not cursors', async (t) => {
  const p = { lastTs: 1_700_000_000_123, room: 'GUILD#g' }
  t.same(decodeCursor(encodeCursor(p)), p)
  t.match(encodeCursor(p), /^[A-Za-z0-9_-]+$/)
  const b64 = (x: unknown) => btoa(JSON.stringify(x)).replace(/=+$/, '')
  for (const bad of [
    '',
    'x',
    '!!!',
    'a'.repeat(201),
    encodeCursor(p).slice(0, -3),
    b64({ lastTs: 1, room: 'a' }),
    b64([1]),
    b64([-1, 'a']),
    b64([1.5, 'a']),
    b64(['1', 'a']),
    b64([1, 'bad id!']),
    b64([1, 'a', 2]),
  ])
    t.equal(decodeCursor(bad), undefined, JSON.stringify(bad))
})

/** A MemoryStore whose calls are counted by method. */
function counted(store: Store): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>()
  const proxy = new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        calls.set(String(name), (calls.get(String(name)) ?? 0) + 1)
        return value.apply(target, args)
      }
    },
  })
  return { store: proxy, calls }
}

let ts = 1000
function msg(roomId: string, seq: number, senderId = 'x'): StoredMessage {
  return { id: `${roomId}-${seq}`, seq, roomId, senderId, text: `t${seq}`, ts: ++ts, clientId: `${roomId}-${seq}` }
}

async function seed(n: number): Promise<MemoryStore> {
  const store = new MemoryStore()
  for (let i = 0; i < n; i++) {
    const roomId = `room${String(i).padStart(4, '0')}`
    await store.putRoom({ roomId, visibility: 'private' })
    await store.putRoomMember(roomId, 'ann')
    if (i % 2 === 0) await store.append(roomId, 0, [msg(roomId, 1)])
  }
  return store
}

t.test('listMyRooms: a page costs the same number of store calls with 10 rooms or 500', async (t) => {
  const costs: number[] = []
  for (const n of [10, 500]) {
    const { store, calls } = counted(await seed(n))
    const page = await listMyRooms(store, 'ann', { limit: 5 }, 1000)
    t.ok(page.ok)
    costs.push([...calls.values()].reduce((a, b) => a + b, 0))
  }
  t.equal(costs[0], costs[1], `calls per page: ${costs.join(' and ')}`)
  t.ok(costs[0]! <= 8)
})

t.test('listMyRooms: unread, lastRead, lastMessage, members; pages through everything once', async (t) => {
  const store = await seed(7)
  await store.advanceReadMarker('room0002', 'ann', 1)
  await store.createConversation({ roomId: 'dm_1', members: ['ann', 'bob'] })
  await store.append('dm_1', 0, [msg('dm_1', 1, 'bob'), msg('dm_1', 2, 'bob')])
  await store.putGuildMember('g', 'ann')
  await store.append('GUILD#g', 0, [msg('GUILD#g', 1)])
  const first = (await listMyRooms(store, 'ann', { limit: 3 }, 1000)) as Extract<MyRoomsResult, { ok: true }>
  t.same(
    first.rooms.map((r) => [r.room, r.kind, r.seq, r.lastRead, r.unread]),
    [
      ['GUILD#g', 'guild', 1, 0, 1],
      ['dm_1', 'conversation', 2, 0, 2],
      ['room0006', 'private', 1, 0, 1],
    ],
  )
  t.same(first.rooms[1]!.members, ['ann', 'bob'])
  t.same(first.rooms[1]!.lastMessage, { id: 'dm_1-2', seq: 2, roomId: 'dm_1', senderId: 'bob', text: 't2', ts: ts - 1 })
  t.notOk('clientId' in first.rooms[1]!.lastMessage!, 'the wire form')
  t.ok(first.nextCursor)
  const seen = first.rooms.map((r) => r.room)
  let cursor = first.nextCursor
  while (cursor) {
    const page = (await listMyRooms(store, 'ann', { limit: 3, cursor }, 1000)) as Extract<MyRoomsResult, { ok: true }>
    seen.push(...page.rooms.map((r) => r.room))
    const read = page.rooms.find((r) => r.room === 'room0002')
    if (read) t.match(read, { seq: 1, lastRead: 1, unread: 0 })
    const quiet = page.rooms.find((r) => r.room === 'room0001')
    if (quiet) t.match(quiet, { seq: 0, lastRead: 0, unread: 0, lastMessage: null })
    cursor = page.nextCursor
  }
  t.equal(seen.length, 9)
  t.equal(new Set(seen).size, 9, 'no room twice')
})

t.test(
  'listMyRooms: a bad cursor is invalid_request; a store failure is unavailable; past the cap, truncated',
  async (t) => {
    const store = await seed(5)
    t.match(await listMyRooms(store, 'ann', { limit: 5, cursor: 'nope!' }, 1000), {
      ok: false,
      code: 'invalid_request',
    })
    const capped = (await listMyRooms(store, 'ann', { limit: 50 }, 3)) as Extract<MyRoomsResult, { ok: true }>
    t.equal(capped.truncated, true)
    t.equal(capped.rooms.length, 3, 'the first 3 of the index looked at')
    const whole = (await listMyRooms(store, 'ann', { limit: 50 }, 5)) as Extract<MyRoomsResult, { ok: true }>
    t.equal(whole.truncated, undefined)
    const failing = new Proxy(store, {
      get: (target, name) =>
        name === 'roomHeads' ? () => Promise.reject(new Error('down')) : Reflect.get(target, name).bind(target),
    })
    t.match(await listMyRooms(failing, 'ann', { limit: 5 }, 1000), { ok: false, code: 'unavailable' })
    t.same(await listMyRooms(new MemoryStore(), 'nobody', { limit: 5 }, 1000), { ok: true, rooms: [] })
  },
)
