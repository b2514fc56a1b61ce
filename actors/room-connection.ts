/**
 * A room connection: a socket's connection to one room, as the room sees it (one per entry:
 * a re-entry after a move is a new one, with a new id). A socket on `/ws/rooms/:roomId`
 * has one; a multiplexed `/ws` socket has one per joined room; on an owner node, each
 * connection of a remote gateway has a stand-in (actors/cluster/owner-endpoint.ts). The
 * session implements it over the socket (`EntryConnection`, actors/session-room-connection.ts).
 *
 * One name for one concept: "room connection" (the session's side, which lasts across moves,
 * is `SessionRoomConnection`). Not "membership": that word means who may enter a private or
 * guild room (4403 "membership revoked") and which nodes are in the cluster.
 */
import type { BroadcastGroup, FrameInfo } from './room-handle.ts'
import type { ErrorCode } from './protocol/errors.ts'

/** Why the server took a connection out of a room. */
export type LeaveReason = 'revoked' | 'closed'

export interface RoomConnection {
  readonly id: number
  readonly userId: string
  /**
   * Set when the connection belongs to a group that takes the room's broadcasts once for
   * all its members (a remote gateway's connections): the room then never broadcasts to the
   * connection itself, only to its group.
   */
  readonly group?: BroadcastGroup
  /**
   * Queue a frame already encoded as JSON text, through the socket's outbound caps (the
   * session applies `outboundDecision` to every frame it writes, not only to the room's).
   * `info.droppable` frames (typing, presence) may be dropped for a slow consumer. `false`
   * when the socket is gone: closed now as a slow consumer, or already closed.
   */
  send(text: string, info?: FrameInfo): boolean
  /** The room refused a frame from this connection (the session counts toward 1008). */
  refused(code: ErrorCode): void
  /**
   * The connection may no longer be in the room: membership revoked (close 4403 on a room
   * socket, `left` with reason "revoked" on /ws) or the room closed by an admin (4404, `left`
   * with reason "closed").
   */
  revoked(reason?: LeaveReason): void
  /**
   * The room is no longer served here (it moved to another node, its owner died or drains,
   * another writer fenced it off). The connection stays open and in the room: its session
   * enters the room again where it lives now, with `since` = the last seq it delivered, and
   * resends its unacknowledged sends by `id`.
   */
  lost(reason: string): void
  /** Close the whole socket (this node drains; tests evicting a room socket's room). */
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
