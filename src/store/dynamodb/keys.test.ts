import t from 'tap'
import { idemSk, messageSk, padTs, roomKey, seqIndexSk, tsFloor } from './keys.ts'

t.test('rooms map to tables and partitions as docs/protocol.md "Room ids" says', async (t) => {
  t.same(roomKey('lobby'), { table: 'core', pk: 'ROOM#lobby', roomType: 'general' })
  t.same(roomKey('GUILD#g-1'), { table: 'guild', pk: 'GUILD#g-1', roomType: 'guild', guildId: 'g-1' })
  for (const bad of ['', 'a b', 'x'.repeat(65), 'GUILD#', 'GUILD#a#b', 'ROOM#x'])
    t.throws(() => roomKey(bad), RangeError, bad)
})

t.test('message keys: 13-digit ts, so string order is time order', async (t) => {
  t.equal(padTs(42), '0000000000042')
  t.equal(messageSk(1_700_000_000_000, 'abc'), 'MSG#1700000000000#abc')
  t.throws(() => padTs(-1))
  t.throws(() => padTs(1.5))
  t.throws(() => padTs(10_000_000_000_000))
  const keys = [9, 10, 1_000, 999].map((ts) => messageSk(ts, 'z'))
  t.same(
    [...keys].sort(),
    [9, 10, 999, 1_000].map((ts) => messageSk(ts, 'z')),
  )
  t.ok(tsFloor(10) < messageSk(10, '-'), 'the floor is below every message at that ts')
  t.ok(tsFloor(11) > messageSk(10, '~'.repeat(64)), 'and above every message before it')
  t.equal(seqIndexSk(7), 'SEQ#0000000000000007')
})

t.test('idempotency keys escape # and % only', async (t) => {
  t.equal(idemSk('alice', 'c1'), 'IDEM#alice#c1')
  t.not(idemSk('a#b', 'c'), idemSk('a', 'b#c'))
  t.not(idemSk('a%23b', 'c'), idemSk('a#b', 'c'))
  t.ok(Buffer.byteLength(idemSk('#'.repeat(128), '#'.repeat(64))) <= 1024, 'fits the sort-key limit')
  t.ok(
    Buffer.byteLength(idemSk('😀'.repeat(128), '😀'.repeat(64))) <= 1024,
    'also with ids counted in code points (4 UTF-8 bytes each)',
  )
  t.not(idemSk('a', 'b\u0000c'), idemSk('a\u0000b', 'c'))
})
