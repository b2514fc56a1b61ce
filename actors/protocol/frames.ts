/**
 * Client-to-server frames (docs/protocol.md "Frames"), validated with valibot. Unknown fields are
 * ignored so that newer clients keep working; wrong or missing known fields are refused.
 */
import * as v from 'valibot'

const seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER))
const room = v.optional(v.string())
/** Lengths are Unicode code points everywhere (ids, `sub`, text), never UTF-16 units. */
const chars = (min: number, max: number, message: string) =>
  v.pipe(
    v.string(),
    v.check((s) => codePointLength(s) >= min && codePointLength(s) <= max, message),
  )

const send = v.object({
  type: v.literal('send'),
  id: chars(1, 64, 'id must be 1..64 characters'),
  text: v.string(),
  room,
})
const typing = v.object({ type: v.literal('typing'), active: v.boolean(), room })
const read = v.object({ type: v.literal('read'), seq, room })
const history = v.object({
  type: v.literal('history'),
  // `before: 0` is an empty page, as over HTTP.
  before: v.optional(seq),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
  room,
})
const join = v.object({ type: v.literal('join'), room: v.string(), since: v.optional(seq) })
const leave = v.object({ type: v.literal('leave'), room: v.string() })
const ping = v.object({ type: v.literal('ping') })
/** My rooms' first page (**Addition**: `limit` and `cursor` page further, as over HTTP). */
const rooms = v.object({
  type: v.literal('rooms'),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100))),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(200))),
})
/** A message into the caller's conversation with `to` (a user id, 1..128 characters), made if needed. */
const dm = v.object({
  type: v.literal('dm'),
  to: chars(1, 128, 'to must be a user id of 1..128 characters'),
  id: chars(1, 64, 'id must be 1..64 characters'),
  text: v.string(),
})

const clientFrame = v.variant('type', [send, typing, read, history, join, leave, ping, rooms, dm])

export type ClientFrame = v.InferOutput<typeof clientFrame>
export type SendFrame = v.InferOutput<typeof send>
export type DmFrame = v.InferOutput<typeof dm>
export type RoomsFrame = v.InferOutput<typeof rooms>
export type RoomFrame = Exclude<ClientFrame, { type: 'join' | 'leave' | 'ping' | 'rooms' | 'dm' }>

export type ParseResult = { ok: true; frame: ClientFrame } | { ok: false; message: string; ref?: string; room?: string }

export function parseClientFrame(text: string): ParseResult {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    return { ok: false, message: 'frame is not JSON' }
  }
  const result = v.safeParse(clientFrame, data)
  if (result.success) return { ok: true, frame: result.output }
  const failed: ParseResult = { ok: false, message: describe(result.issues) }
  // Echo the frame's id and room so clients can match the refusal to what they sent.
  if (isRecord(data)) {
    // Any string id is echoed (bounded, so a refusal never amplifies a big frame much).
    if (typeof data.id === 'string' && codePointLength(data.id) <= 256) failed.ref = data.id
    if (typeof data.room === 'string' && codePointLength(data.room) <= 200) failed.room = data.room
  }
  return failed
}

function describe(issues: v.BaseIssue<unknown>[]): string {
  const first = issues[0]
  if (!first) return 'invalid frame'
  const path = v.getDotPath(first)
  if (path === 'type' || (first.kind === 'schema' && !path)) return 'unknown or missing frame type'
  return path ? `invalid field "${path}": ${first.message}` : first.message
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

/** Text length in Unicode code points, as docs/protocol.md "Limits" counts it. */
export function codePointLength(text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    // A high surrogate followed by a low one is one code point.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) i++
    }
    n++
  }
  return n
}
