import t from 'tap'
import { hashFor, isRoomId, rememberedRooms, rememberRoom, roomFromHash, takeToken, tokenSubject } from './session.ts'

function memoryStorage(): Storage {
  const data = new Map<string, string>()
  return {
    get length() {
      return data.size
    },
    clear: () => data.clear(),
    getItem: (k) => data.get(k) ?? null,
    key: (i) => [...data.keys()][i] ?? null,
    removeItem: (k) => void data.delete(k),
    setItem: (k, v) => void data.set(k, v),
  }
}

t.test('a ?token= is kept in the tab and taken out of the address bar', async (t) => {
  const storage = memoryStorage()
  let replaced: string | undefined
  const history = { state: null, replaceState: (_s: unknown, _t: string, url: URL) => (replaced = String(url)) }
  const at = (href: string) => ({ href }) as Location
  t.equal(takeToken(at('http://h/?token=abc&lang=fr#lobby'), history as unknown as History, storage), 'abc')
  t.equal(replaced, 'http://h/?lang=fr#lobby')
  replaced = undefined
  t.equal(takeToken(at('http://h/#lobby'), history as unknown as History, storage), 'abc', 'after a reload')
  t.equal(replaced, undefined, 'nothing to take out')
})

t.test('tokenSubject reads sub without verifying, and nothing from garbage', async (t) => {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  t.equal(tokenSubject(`${enc({ alg: 'HS256' })}.${enc({ sub: 'zoë' })}.sig`), 'zoë', 'UTF-8 in the payload')
  t.equal(tokenSubject('not-a-jwt'), undefined)
  t.equal(tokenSubject(`a.${enc({ sub: 1 })}.c`), undefined)
  t.equal(tokenSubject('a.%%%.c'), undefined)
})

t.test('the room in the fragment, guild rooms included', async (t) => {
  t.equal(roomFromHash(hashFor('GUILD#raiders')), 'GUILD#raiders')
  t.equal(hashFor('GUILD#raiders'), '#GUILD%23raiders')
  t.equal(roomFromHash('#lobby'), 'lobby')
  t.equal(roomFromHash(''), undefined)
  t.equal(roomFromHash('#%E0%A4%A'), undefined, 'a malformed escape')
})

t.test('room ids as the server accepts them', async (t) => {
  for (const ok of ['lobby', 'a-b_C9', 'GUILD#g', 'x'.repeat(64)]) t.ok(isRoomId(ok), ok)
  for (const bad of ['', 'a b', 'x'.repeat(65), 'GUILD#', 'guild#g', '<img>', 'a#b']) t.notOk(isRoomId(bad), bad)
})

t.test('remembered rooms: newest first, no duplicates, bounded', async (t) => {
  const storage = memoryStorage()
  for (let i = 0; i < 60; i++) rememberRoom(storage, 'me', `r${i}`)
  rememberRoom(storage, 'me', 'r10')
  const rooms = rememberedRooms(storage, 'me')
  t.equal(rooms.length, 50)
  t.equal(rooms[0], 'r10')
  t.equal(new Set(rooms).size, 50)
  t.same(rememberedRooms(storage, 'other'), [], 'per user')
})
