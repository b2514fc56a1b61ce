/**
 * How a session reaches a room, wherever the room lives: the local actor (actors/actor.ts)
 * and the stub for a room owned by another node (actors/cluster/remote-room.ts) both
 * implement it, so the session never knows which one it talks to (docs/cluster.md).
 */
import type { RoomConnection } from './room-connection.ts'
import type { RoomFrame } from './protocol/frames.ts'

export interface RoomHandle {
  readonly roomId: string
  /**
   * Put the connection in the room. Resolves once its `welcome` and any recovery backlog
   * (every message after `since`) have been given to `conn.send`, in order. Rejects when the
   * room cannot take it (unavailable, moved, closed, revoked): the connection is not in it.
   * `trace`: the entry's span context (its join frame's, or the upgrade's), for the hop.
   */
  enter(conn: RoomConnection, since: number | undefined, trace?: string): Promise<void>
  /**
   * A validated room frame from a connection that entered. `trace`: the frame's span context
   * (a `traceparent`) when tracing, so the room's work for it (commit, broadcast) joins it.
   */
  frame(connId: number, frame: RoomFrame, trace?: string): void
  /** The connection leaves the room (leave frame, socket closed). Idempotent. */
  leave(connId: number): void
}

/**
 * Connections that share one broadcast: every connection of one gateway node in a room.
 * The room gives each broadcast to the group once, already encoded, instead of to each of
 * its connections; the group fans it out (two-tier fan-out).
 */
export interface BroadcastGroup {
  /** `exceptUser`: none of this user's connections get it; `info` as for `RoomConnection.send`. */
  broadcast(text: string, exceptUser: string | undefined, info: FrameInfo): void
}

/** What a connection may need to know about a frame without parsing it. */
export interface FrameInfo {
  /** Typing and presence: may be dropped for a slow consumer. */
  droppable?: boolean
  /** The seq of the message a `message` frame carries. */
  seq?: number
  /** The `id` of the send this frame answers: its `ack`, or an `error` with that `ref`. */
  answers?: string
  /** Set on the `welcome` frame: the room's seq at entry, and `recovered` as in the frame. */
  welcome?: { seq: number; recovered?: boolean }
}
