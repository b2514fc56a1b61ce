/**
 * What the admin API says about the cluster (docs/protocol.md "Many nodes"): the live nodes
 * and a room's owner and epoch. A single node (embedded store) is a cluster of one that owns
 * every room at epoch 0.
 */
import type { Store } from '../../actors/store.ts'
import type { ClusterNodeInfo } from '../../actors/cluster/cluster-node.ts'

export interface ClusterInfo {
  /** This node's id. */
  readonly node: string
  /** The live nodes as this node sees them, with how many rooms each owns. */
  nodes(): ClusterNodeInfo[]
  /** The node that owns the room now, or would if it were used now. */
  ownerOf(roomId: string): string
  /** The room's fencing epoch (0 if it was never owned). */
  epoch(roomId: string): Promise<number>
}

/** One node alone: it owns every room. */
export function singleNodeInfo(node: string, address: string, rooms: () => number): ClusterInfo {
  return {
    node,
    nodes: () => [{ id: node, address, rooms: rooms() }],
    ownerOf: () => node,
    epoch: async () => 0,
  }
}

/** A cluster member: placement from its view of the live nodes, epochs from the store. */
export function clusterInfo(
  cluster: { node: string; nodes(): ClusterNodeInfo[]; ownerOf(roomId: string): string | undefined },
  store: Pick<Store, 'roomOwnership'>,
): ClusterInfo {
  return {
    node: cluster.node,
    nodes: () => cluster.nodes(),
    // Before this node has seen anyone (it always sees itself while its lease is current).
    ownerOf: (roomId) => cluster.ownerOf(roomId) ?? cluster.node,
    epoch: async (roomId) => (await store.roomOwnership?.(roomId))?.epoch ?? 0,
  }
}
