/**
 * The node link's messages (docs/cluster.md "The link"). A message is a JSON header,
 * optionally followed by one newline and a payload: a client frame's text, carried as is, so
 * a broadcast encoded once by the owner is written to every socket of the gateway without
 * being parsed or encoded again. JSON text never holds a raw newline, so the first newline
 * ends the header. `c` is the gateway's connection id; `room` the room id as clients know it.
 * `tp`, when tracing: the sender's span context as a W3C `traceparent`, so the owner's work
 * for it continues the same trace (docs/operations.md "Spans").
 */
import type { LeaveReason } from '../room-connection.ts'
import type { ErrorCode } from '../protocol/errors.ts'

/** Why an operation without a connection (`post`, `mark`) failed at the owner: a room rule's code, or `moved`. */
export type OpFailure = ErrorCode | 'moved'

/** Why an `open` was refused: `moved` (ask the current owner), `unavailable` (retry), or final. */
export type OpenFailure = 'moved' | 'unavailable' | 'closed' | 'revoked'

/** Gateway to owner. */
export type GatewayHeader =
  /** A connection enters the room (access already checked by the gateway). */
  | { t: 'open'; room: string; c: number; user: string; since?: number; tp?: string }
  /** A room frame of the connection; the payload is the frame (send, typing, read, history). */
  | { t: 'frame'; room: string; c: number; tp?: string }
  /** The connection left the room. */
  | { t: 'leave'; room: string; c: number }
  /**
   * A message posted without a connection (HTTP, a service), request `r`, from `user`; `u`:
   * no rate limit. The payload is a `send` frame (`id`, `text`). Answered by `done` or `op_failed`.
   */
  | { t: 'post'; room: string; r: number; user: string; u?: true; tp?: string }
  /** `user`'s read marker moves to `seq` (HTTP), request `r`. Answered by `done` or `op_failed`. */
  | { t: 'mark'; room: string; r: number; user: string; seq: number }

/** Owner to gateway. */
export type OwnerHeader =
  /** One frame (the payload) for one connection; `s`, `d`, `a`, `w` as FrameInfo's seq, droppable, answers, welcome. */
  | { t: 'to'; room: string; c: number; s?: number; d?: true; a?: string; w?: { seq: number; recovered?: boolean } }
  /** One broadcast (the payload) for every connection of the gateway in the room but `ex`'s. */
  | { t: 'b'; room: string; ex?: string; s?: number; d?: true }
  /** The connection is in the room: its welcome (the first `to`) came before this. */
  | { t: 'opened'; room: string; c: number }
  | { t: 'open_failed'; room: string; c: number; reason: OpenFailure }
  /** The room refused one of the connection's frames (counts toward its flood limit). */
  | { t: 'refused'; room: string; c: number; code: ErrorCode }
  /** The connection may no longer be in the room (membership revoked, room closed). */
  | { t: 'revoked'; room: string; c: number; reason: LeaveReason }
  /** The room is no longer here (moved, handed off, owner draining): enter it again elsewhere. */
  | { t: 'lost'; room: string; c: number; reason: string }
  /**
   * Request `r` took effect: a `post` stored (`s` its seq, `m` its message id, `o`: the `id`
   * was stored before and this is the original), or a `mark` stored.
   */
  | { t: 'done'; room: string; r: number; s?: number; m?: string; o?: true }
  /** Request `r` was refused (`code`, `ra`: retry after ms) or must go to the room's new owner (`moved`). */
  | { t: 'op_failed'; room: string; r: number; code: OpFailure; ra?: number }

/** Either direction, about the cluster rather than one connection. */
export type NodeHeader =
  /** A membership was revoked on the sender's node: apply it here too. */
  | { t: 'revoke'; room: string; user: string }
  /** A room was closed by an admin on the sender's node. */
  | { t: 'close_room'; room: string }
  /** The sender is draining: take it out of placement now, without waiting for its lease. */
  | { t: 'leaving'; node: string }
  /** The sender claimed the room at `epoch`: a node still holding it must drop it. */
  | { t: 'claimed'; room: string; node: string; epoch: number }

export type LinkHeader = GatewayHeader | OwnerHeader | NodeHeader

export interface LinkMessage {
  header: LinkHeader
  /** The carried client frame text, for `frame`, `to`, `b` and `post`. */
  payload?: string
}
