/**
 * Encodes and checks node link messages (actors/cluster/link-frames.ts; docs/cluster.md "The
 * link"). A message is its JSON header, then, for `frame`, `to`, `b` and `post` only, one newline and
 * the payload (a client frame's text, carried as is). Every header is validated exactly: a
 * known `t`, each field of that kind with its type and bounds, and nothing else. A peer that
 * sends anything else is broken (or not a peer), and the cluster cuts its link.
 *
 * The hot path (`b` and `to`, one per broadcast and per frame to a connection) splits at the
 * first newline and parses only the header: the payload is never scanned.
 */
import * as v from 'valibot'
import { errorCodes } from '../protocol/errors.ts'
import { codePointLength } from '../protocol/frames.ts'
import type { LinkHeader, LinkMessage } from './link-frames.ts'

/** Longest room id on the link (UTF-16 units); valid room ids are far shorter. */
export const LINK_MAX_ROOM_LENGTH = 200
/** Longest free-text reason (`lost`), in UTF-16 units. */
export const LINK_MAX_REASON_LENGTH = 200

const chars = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.check((s) => {
      const n = codePointLength(s)
      return n >= min && n <= max
    }),
  )
const room = v.pipe(v.string(), v.minLength(1), v.maxLength(LINK_MAX_ROOM_LENGTH))
/** Connection ids, seqs, epochs: safe non-negative integers. */
const count = v.pipe(v.number(), v.safeInteger(), v.minValue(0))
/** User ids as tokens carry them (`sub`): 1..128 code points. */
const user = chars(1, 128)
/** Node ids as NODE_ID allows them. */
const node = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/))
/** A send's `id` (1..64 code points); refusals echo ids up to 256, so answers allow as much. */
const answers = chars(1, 256)
/** A span context (`traceparent`, W3C version 00), exactly. */
/** A server-made message id: 1..64 characters on the wire; the link allows any id the store took, up to 256. */
const messageId = v.pipe(v.string(), v.minLength(1), v.maxLength(256))
const tp = v.pipe(v.string(), v.regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/))

const header = v.variant('t', [
  v.strictObject({ t: v.literal('open'), room, c: count, user, since: v.optional(count), tp: v.optional(tp) }),
  v.strictObject({ t: v.literal('frame'), room, c: count, tp: v.optional(tp) }),
  v.strictObject({ t: v.literal('leave'), room, c: count }),
  v.strictObject({ t: v.literal('post'), room, r: count, user, u: v.optional(v.literal(true)), tp: v.optional(tp) }),
  v.strictObject({ t: v.literal('mark'), room, r: count, user, seq: count }),
  v.strictObject({
    t: v.literal('to'),
    room,
    c: count,
    s: v.optional(count),
    d: v.optional(v.literal(true)),
    a: v.optional(answers),
    w: v.optional(v.strictObject({ seq: count, recovered: v.optional(v.boolean()) })),
  }),
  v.strictObject({
    t: v.literal('b'),
    room,
    ex: v.optional(user),
    s: v.optional(count),
    d: v.optional(v.literal(true)),
  }),
  v.strictObject({ t: v.literal('opened'), room, c: count }),
  v.strictObject({
    t: v.literal('open_failed'),
    room,
    c: count,
    reason: v.picklist(['moved', 'unavailable', 'closed', 'revoked']),
  }),
  v.strictObject({ t: v.literal('refused'), room, c: count, code: v.picklist(errorCodes) }),
  v.strictObject({ t: v.literal('revoked'), room, c: count, reason: v.picklist(['revoked', 'closed']) }),
  v.strictObject({
    t: v.literal('lost'),
    room,
    c: count,
    reason: v.pipe(v.string(), v.minLength(1), v.maxLength(LINK_MAX_REASON_LENGTH)),
  }),
  v.strictObject({
    t: v.literal('done'),
    room,
    r: count,
    s: v.optional(count),
    m: v.optional(messageId),
    o: v.optional(v.literal(true)),
  }),
  v.strictObject({
    t: v.literal('op_failed'),
    room,
    r: count,
    code: v.picklist([...errorCodes, 'moved']),
    ra: v.optional(count),
  }),
  v.strictObject({ t: v.literal('revoke'), room, user }),
  v.strictObject({ t: v.literal('close_room'), room }),
  v.strictObject({ t: v.literal('leaving'), node }),
  v.strictObject({ t: v.literal('claimed'), room, node, epoch: count }),
])

/** Kinds that carry a payload: exactly these, always. */
const withPayload = new Set<string>(['frame', 'to', 'b', 'post'])

// The schema and the declared union must agree both ways: a field added to one and not the
// other fails to compile here.
type Parsed = v.InferOutput<typeof header>
const _toUnion: (h: Parsed) => LinkHeader = (h) => h
const _fromUnion: (h: LinkHeader) => Parsed = (h) => h
void _toUnion
void _fromUnion

export function encodeLink(header: LinkHeader, payload?: string): string {
  const json = JSON.stringify(header)
  return payload === undefined ? json : `${json}\n${payload}`
}

export type DecodeResult = { ok: true; message: LinkMessage } | { ok: false; error: string }

export function decodeLink(data: string): DecodeResult {
  const cut = data.indexOf('\n')
  const head = cut === -1 ? data : data.slice(0, cut)
  let parsed: unknown
  try {
    parsed = JSON.parse(head)
  } catch {
    return { ok: false, error: 'header is not JSON' }
  }
  const result = v.safeParse(header, parsed)
  if (!result.success) return { ok: false, error: describe(parsed, result.issues) }
  const h = result.output as LinkHeader
  if (withPayload.has(h.t) !== (cut !== -1)) {
    return { ok: false, error: cut === -1 ? `${h.t}: payload missing` : `${h.t}: unexpected payload` }
  }
  return { ok: true, message: cut === -1 ? { header: h } : { header: h, payload: data.slice(cut + 1) } }
}

/** Names the kind and the field at fault, never the values (they may be anything). */
function describe(parsed: unknown, issues: readonly v.BaseIssue<unknown>[]): string {
  const t =
    typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as { t?: unknown }).t : undefined
  const kind = typeof t === 'string' && t.length <= 32 ? t : '?'
  const path = v.getDotPath(issues[0]!)
  if (path === 't' || path === null) return kind === '?' ? 'not a link header' : `unknown kind ${JSON.stringify(kind)}`
  return `${kind}: bad field ${path.slice(0, 64)}`
}
