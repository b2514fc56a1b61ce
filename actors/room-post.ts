/**
 * Operations on a room without a socket (docs/protocol.md "Posting and reading over HTTP"): a
 * message posted over HTTP or by a service's command, and a read marker moved over HTTP. Both
 * go through the room's owner like a socket's frames, so a room keeps one seq order: the
 * local actor, or the owner node over the link (actors/cluster/gateway-link.ts). Neither
 * enters the room: no presence, no connection.
 */
import type { ErrorCode } from './protocol/errors.ts'

/** A message for a room from a sender without a connection in it. */
export interface RoomPost {
  senderId: string
  /** The idempotency key, as a `send` frame's `id` (1..64 code points). */
  id: string
  text: string
  /** No rate limit applies: an admin's post, or a service's command. */
  unlimited?: boolean
}

/**
 * What a post comes to: stored (`created`: by this post; `false`: its `id` was stored before,
 * and this is the original's answer), or refused by the room's rules with the code a `send`
 * would get (`too_long`, `rate_limited` with `retryAfterMs`, `unavailable`: nothing stored).
 */
export type PostOutcome =
  | { ok: true; seq: number; messageId: string; created: boolean }
  | { ok: false; code: ErrorCode; message: string; retryAfterMs?: number }

/**
 * The room moved (handed off, fenced off by a new owner, its owner unreachable) while the
 * operation was on its way: nothing was decided, the caller tries again where it lives now.
 */
export class RoomMovedError extends Error {
  override name = 'RoomMovedError'
}
