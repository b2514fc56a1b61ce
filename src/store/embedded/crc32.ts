/**
 * CRC-32 (IEEE, as zip and zlib use) of each log record, so a torn or corrupt record is
 * recognised on open. node:zlib has `crc32` only from Node 20.15 / 22.2 (Deno has it too), so
 * use it when present and fall back to a table: same numbers either way (crc32.test.ts).
 */
import * as zlib from 'node:zlib'

const TABLE = new Uint32Array(256)
for (let n = 0; n < 256; n++) {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  TABLE[n] = c >>> 0
}

export function crc32Table(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32

export const crc32: (bytes: Uint8Array) => number = native ? (b) => native(b) >>> 0 : crc32Table
