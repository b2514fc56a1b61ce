import t from 'tap'
import * as zlib from 'node:zlib'
import { crc32, crc32Table } from './crc32.ts'

t.test('known values', async (t) => {
  const enc = new TextEncoder()
  t.equal(crc32Table(enc.encode('')), 0)
  t.equal(crc32Table(enc.encode('123456789')), 0xcbf43926, 'the standard check value')
  t.equal(crc32(enc.encode('123456789')), 0xcbf43926)
})

t.test('the table matches zlib where zlib has crc32', async (t) => {
  const native = (zlib as { crc32?: (b: Uint8Array) => number }).crc32
  if (!native) return t.pass('no zlib.crc32 on this runtime')
  const bytes = new Uint8Array(4096).map((_, i) => (i * 7919) & 0xff)
  for (const n of [1, 3, 100, 4096]) t.equal(crc32Table(bytes.subarray(0, n)), native(bytes.subarray(0, n)) >>> 0)
})
