/**
 * Record framing of the log file. The file starts with an 8-byte magic that names the format
 * version; then frames `[u32 length][u32 crc32 of payload][payload]`, little-endian. A frame
 * that runs past the end of the file, or whose checksum does not match, ends the readable log:
 * it is what a crash in the middle of a write leaves behind.
 */
import { crc32 } from './crc32.ts'

export const MAGIC = new TextEncoder().encode('ghlog01\n')
export const HEADER_BYTES = 8
/** Far above any record we write (a batch of 100 messages of 4000 code points is ~1.6 MB), so
 * a garbage length is recognised as garbage instead of making us wait for 4 GB. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(HEADER_BYTES + payload.length)
  const view = new DataView(frame.buffer)
  view.setUint32(0, payload.length, true)
  view.setUint32(4, crc32(payload), true)
  frame.set(payload, HEADER_BYTES)
  return frame
}

export type FrameResult =
  | { kind: 'frame'; payload: Uint8Array; next: number }
  /** Not enough bytes yet: read more, or, at end of file, a torn tail. */
  | { kind: 'short'; need: number }
  | { kind: 'corrupt'; reason: string }

/** Decode the frame at `offset` of `buf`. */
export function decodeFrame(buf: Uint8Array, offset: number): FrameResult {
  if (buf.length - offset < HEADER_BYTES) return { kind: 'short', need: HEADER_BYTES }
  const view = new DataView(buf.buffer, buf.byteOffset + offset, HEADER_BYTES)
  const length = view.getUint32(0, true)
  if (length === 0 || length > MAX_PAYLOAD_BYTES) return { kind: 'corrupt', reason: `bad length ${length}` }
  if (buf.length - offset < HEADER_BYTES + length) return { kind: 'short', need: HEADER_BYTES + length }
  const payload = buf.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length)
  if (crc32(payload) !== view.getUint32(4, true)) return { kind: 'corrupt', reason: 'checksum mismatch' }
  return { kind: 'frame', payload, next: offset + HEADER_BYTES + length }
}
