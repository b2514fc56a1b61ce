/**
 * What the room core asks its shell to do. The core decides; the shell (actors/actor.ts)
 * performs: writes to sockets, storage, timers.
 */
import type { ErrorFrame } from '../protocol/errors.ts'
import type { ServerFrame } from '../protocol/server-frames.ts'

export type { ServerFrame } from '../protocol/server-frames.ts'

export type Effect =
  /**
   * One frame to one connection (or to a post's waiter). `original`: an `ack` that answers
   * with a message stored before (a repeated `id`), not one this send stored.
   */
  | { kind: 'send'; to: number; frame: ServerFrame; original?: true }
  /** A refusal to one connection (counted toward its flood limit by the session). */
  | { kind: 'refuse'; to: number; frame: ErrorFrame }
  /** One frame, encoded once, to every connection in the room but those of `exceptUser`
   * (a connection in a broadcast group gets it through its group). Typing and presence are
   * droppable: skipped for slow consumers (`frameInfo`). */
  | { kind: 'broadcast'; frame: ServerFrame; exceptUser?: string }
  /** Take these room connections out of the room (4403, or `left` on /ws): their user's access was revoked. */
  | { kind: 'revoke'; to: number[] }
  /** Start a storage write if none is in flight (group commit). */
  | { kind: 'flush' }
  /** Move a read marker in storage; the shell reports back with `readSaved`. */
  | { kind: 'saveRead'; userId: string; seq: number }
  /** A history page the buffer cannot serve: the shell reads it from storage. */
  | { kind: 'loadHistory'; to: number; before?: number; limit: number }
