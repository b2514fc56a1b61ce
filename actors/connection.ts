/**
 * A connection's membership of one room, as the room actor sees it. A socket on
 * `/ws/rooms/:roomId` has one; a multiplexed `/ws` socket has one per joined room. The
 * session (actors/session.ts) implements it over the socket.
 */
import type { ErrorCode } from './protocol/errors.ts'

/** Why the server took a connection out of a room. */
export type LeaveReason = 'revoked' | 'closed'

export interface RoomConnection {
  readonly id: number
  readonly userId: string
  /**
   * Queue a frame already encoded as JSON text, through the socket's outbound caps (the
   * session applies `outboundDecision` to every frame it writes, not only to the room's).
   * `droppable` frames (typing, presence) may be dropped for a slow consumer. `false` when the
   * socket is gone: closed now as a slow consumer, or already closed.
   */
  send(text: string, droppable?: boolean): boolean
  /** The room refused a frame from this connection (the session counts toward 1008). */
  refused(code: ErrorCode): void
  /**
   * The connection may no longer be in the room: membership revoked (close 4403 on a room
   * socket, `left` with reason "revoked" on /ws) or the room closed by an admin (4404, `left`
   * with reason "closed").
   */
  revoked(reason?: LeaveReason): void
  /** Close the whole socket (room moved, eviction, drain). */
  kick(code: number, reason: string): void
}

/** What to do with a frame for a connection with `buffered` bytes queued (slow consumers). */
export function outboundDecision(
  buffered: number,
  droppable: boolean,
  limits: { softOutboundBytes: number; hardOutboundBytes: number },
): 'send' | 'drop' | 'close' {
  if (buffered > limits.hardOutboundBytes) return 'close'
  if (droppable && buffered > limits.softOutboundBytes) return 'drop'
  return 'send'
}
