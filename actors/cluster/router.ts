/**
 * What the actor host asks of the cluster (actors/cluster/cluster-node.ts implements it).
 * Without one, every room is local: a single node.
 */
import type { RoomHandle } from '../room-handle.ts'
import type { RoomClaim } from '../store.ts'
import type { PostOutcome, RoomPost } from '../room-post.ts'

export interface ClusterRouter {
  /** This node's id. */
  readonly node: string
  /** Should this node own the room now (placement over the live nodes)? */
  isLocal(roomId: string): boolean
  /** The stub for a room owned by another node (one per room per gateway). */
  remote(roomId: string): RoomHandle
  /**
   * A post into a room another node owns, at its owner. Rejects with `RoomMovedError` or
   * `RoomOpenError` when the owner is gone or no longer the owner (nothing decided: ask again).
   */
  post(roomId: string, post: RoomPost, trace?: string): Promise<PostOutcome>
  /** A read marker in a room another node owns, at its owner; rejects as `post` does. */
  markRead(roomId: string, userId: string, seq: number): Promise<void>
  /** A local actor claimed the room (its activation): log it, tell the node it replaced. */
  claimed(roomId: string, claim: RoomClaim): void
  /** A revocation made on this node: every other node applies it too. */
  announceRevoke(roomId: string, userId: string): void
  /** A room closed on this node: every other node closes it too. */
  announceClose(roomId: string): void
}
