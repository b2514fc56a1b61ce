/**
 * What the cluster needs from the outside world: node leases in a shared table, and links to
 * other nodes. src/ implements them on DynamoDB and WebSockets; the simulator
 * (actors/testing/cluster/) in memory, with delays, losses and partitions.
 */

/** A node as the lease table knows it. */
export interface NodeLease {
  id: string
  /** `host:port` of the node's link endpoint (`ADVERTISE_HOST`:`INTERNAL_PORT`). */
  address: string
  /** How many rooms the node owns, as of its last renewal (for /admin/cluster). */
  rooms: number
  /**
   * Raised by every renewal. Observers judge liveness by whether it moves, on their own
   * monotonic clock: no node ever compares its clock with another's.
   */
  version: number
  /**
   * Proof that the node holds the cluster secret (src/cluster/signed-leases.ts): a node
   * without it is not counted, so a misconfigured one cannot be handed rooms nobody can
   * reach it for. Stored and returned as given.
   */
  proof?: string
}

/** What a node writes about itself. */
export type LeaseRenewal = { id: string; address: string; rooms: number; proof?: string }

export interface LeaseStore {
  /** Write (or refresh) this node's lease, raising its version. */
  renew(lease: LeaseRenewal): Promise<void>
  /** Every lease item in the table, live or not (the observer decides). */
  list(): Promise<NodeLease[]>
  /** Remove this node's lease (drain): the others stop counting it at their next look. */
  remove(id: string): Promise<void>
}

/** One authenticated link to a peer node (either side may have opened it). */
export interface LinkChannel {
  /** The peer's node id, proven by the handshake. */
  readonly peer: string
  /** Queue one link message (see actors/cluster/link-codec.ts). Must not throw. */
  send(data: string): void
  /** Bytes queued but not yet written (backpressure on the link). */
  bufferedAmount(): number
  /** Drop the link at once (a peer too slow to read, or a protocol violation). Idempotent. */
  terminate(reason: string): void
  /** Set by the cluster: each message, in order. */
  onMessage: (data: string) => void
  /** Set by the cluster: the link is gone (either side, any cause). Called once. */
  onClose: () => void
}

export interface LinkTransport {
  /**
   * A new authenticated link to the peer at `address`, which must prove it is `peer`.
   * Rejects when the peer cannot be reached or fails the handshake.
   */
  connect(peer: string, address: string): Promise<LinkChannel>
  /** Set by the cluster: a peer opened an authenticated link to us. */
  onAccept: (channel: LinkChannel) => void
  /** Stop accepting and drop every link. */
  close(): Promise<void>
}
