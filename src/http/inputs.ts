/**
 * Every HTTP input, validated with valibot: path ids, `since`, history paging, admin bodies.
 * Room ids follow docs/protocol.md "Room ids"; in a URL a guild room's `#` is written `%23`
 * (Hono hands us the decoded `GUILD#g`).
 */
import * as v from 'valibot'
import { httpMessages } from '../../actors/protocol/errors.ts'
import { codePointLength } from '../../actors/protocol/frames.ts'
import { isValidId, parseRoomId } from '../../actors/protocol/rooms.ts'

// The id rules are the actors' (actors/protocol/rooms.ts): one definition for HTTP and frames.
export const roomIdSchema = v.pipe(
  v.string(),
  v.check((id) => parseRoomId(id) !== undefined, httpMessages.invalid_room),
)
export const generalRoomIdSchema = v.pipe(
  v.string(),
  v.check((id) => parseRoomId(id)?.kind === 'general', 'not a valid general room id'),
)
export const guildIdSchema = v.pipe(v.string(), v.check(isValidId, 'not a valid guild id'))
/** A user id is a token `sub`: 1..128 characters (code points). */
export const userIdSchema = v.pipe(
  v.string(),
  v.check((s) => codePointLength(s) >= 1 && codePointLength(s) <= 128, 'a user id is 1..128 characters'),
)

const seq = v.pipe(
  v.string(),
  v.regex(/^\d{1,16}$/, 'expected a whole number'),
  v.transform(Number),
  v.number(),
  v.safeInteger(),
)

export const sinceSchema = v.object({ since: v.optional(seq) })

export function historyQuerySchema(maxLimit: number) {
  return v.pipe(
    v.object({
      before: v.optional(seq),
      after: v.optional(seq),
      limit: v.optional(
        v.pipe(seq, v.minValue(1, `limit is 1..${maxLimit}`), v.maxValue(maxLimit, `limit is 1..${maxLimit}`)),
      ),
    }),
    v.check((q) => q.before === undefined || q.after === undefined, 'give before or after, not both'),
  )
}

/**
 * Member listings: `limit` 1..maxLimit and an opaque `cursor`, which is the last user id of
 * the previous page in base64url (so any id, `#` or emoji included, travels safely in a URL).
 */
export function memberQuerySchema(maxLimit: number) {
  return v.object({
    limit: v.optional(
      v.pipe(seq, v.minValue(1, `limit is 1..${maxLimit}`), v.maxValue(maxLimit, `limit is 1..${maxLimit}`)),
    ),
    cursor: v.optional(v.pipe(v.string(), v.transform(decodeCursor), v.string('cursor is not valid'), userIdSchema)),
  })
}

export function encodeCursor(userId: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(userId)) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The user id in a cursor; `undefined` when it is not one of ours (a user id is at most 512 bytes). */
function decodeCursor(cursor: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,700}$/.test(cursor)) return undefined
  try {
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'))
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)))
  } catch {
    return undefined
  }
}

/**
 * `POST /rooms/:roomId/messages`: `id` as a `send` frame's (1..64 code points), `text` a string
 * (its length is the room's rule: `too_long`), `senderId` a user id (another's: admin only).
 */
export const postBodySchema = v.object({
  id: v.pipe(
    v.string('id must be a string'),
    v.check((s) => codePointLength(s) >= 1 && codePointLength(s) <= 64, 'id must be 1..64 characters'),
  ),
  text: v.string('text must be a string'),
  senderId: v.optional(userIdSchema),
})

/** `PUT /rooms/:roomId/read`: `seq` as a `read` frame's. */
export const readBodySchema = v.object({
  seq: v.pipe(
    v.number('seq must be a number'),
    v.safeInteger('seq must be a whole number'),
    v.minValue(0, 'seq must not be negative'),
  ),
})

export const putRoomBodySchema = v.object({
  visibility: v.picklist(['public', 'private'], 'visibility is public or private'),
})

/** The first issue's message, for the `message` of a 400. */
export function firstIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0]
  if (!issue) return 'invalid input'
  const path = v.getDotPath(issue)
  return path ? `${path}: ${issue.message}` : issue.message
}
