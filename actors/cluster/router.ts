/**
 * What the actor host asks of the cluster (actors/cluster/cluster-node.ts implements it).
 * Without one, every room is local: a single node.
 */
import type { RoomHandle } from '../room-handle.ts'
import type { RoomClaim } from '../store.ts'

export interface ClusterRouter {
  /** This node's id. */
  readonly node: string
  /** Should this node own the room now (placement over the live nodes)? */
  isLocal(roomId: string): boolean
  /** The stub for a room owned by another node (one per room per gateway). */
  remote(roomId: string): RoomHandle
  /** A local actor claimed the room (its activation): log it, tell the node it replaced. */
  claimed(roomId: string, claim: RoomClaim): void
  /** A revocation made on this node: every other node applies it too. */
  announceRevoke(roomId: string, userId: string): void
  /** A room closed on this node: every other node closes it too. */
  announceClose(roomId: string): void
}
