/**
 * This node's part in the cluster (docs/cluster.md): its lease and its view of the live
 * nodes, placement, the links to its peers (as gateway and as owner), moves when the live set
 * changes, and cluster-wide revocations. Implements the `ClusterRouter` the actor host asks.
 * Time: `clock` for timers, `monotonic` (never the wall clock) for judging leases.
 */
import type { Clock } from '../clock.ts'
import type { RoomConnection } from '../room-connection.ts'
import type { Limits } from '../limits.ts'
import type { Logger } from '../ports.ts'
import type { RoomFrame } from '../protocol/frames.ts'
import type { RoomHandle } from '../room-handle.ts'
import type { RoomClaim } from '../store.ts'
import type { Tracer } from '../tracing.ts'
import type { PostOutcome, RoomPost } from '../room-post.ts'
import type { HostMetrics } from '../metrics.ts'
import { countedChannel } from './counted-channel.ts'
import { Announcements } from './announcements.ts'
import { GatewayLink, RoomOpenError } from './gateway-link.ts'
import { decodeLink, encodeLink } from './link-codec.ts'
import type { GatewayHeader, LinkHeader, NodeHeader, OwnerHeader } from './link-frames.ts'
import { MembershipView, type ViewChange } from './membership-view.ts'
import { OwnerEndpoint } from './owner-endpoint.ts'
import { ownerOf } from './placement.ts'
import type { LeaseStore, LinkChannel, LinkTransport, NodeLease } from './ports.ts'
import type { ClusterRouter } from './router.ts'

/** What the cluster needs from the actor host of its node. */
export interface ClusterHost {
  readonly limits: Limits
  nextConnectionId(): number
  openLocal(roomId: string, conn: RoomConnection, since: number | undefined): Promise<RoomHandle>
  /** A gateway's post on this node's actor (`RoomMovedError` when the room is not here). */
  postLocal(roomId: string, post: RoomPost, trace?: string): Promise<PostOutcome>
  /** A gateway's read marker on this node's actor. */
  markReadLocal(roomId: string, userId: string, seq: number): Promise<void>
  handOff(roomId: string, reason: string): Promise<void>
  localRooms(): string[]
  /** The fencing epoch of the room's actor on this node, if it holds one. */
  roomEpoch(roomId: string): number | undefined
  /** The live set changed: sessions waiting to enter a moved room again retry now. */
  placementChanged(): void
  /** A peer revoked the user in the room: check the store and revoke here if still revoked. */
  peerRevoked(roomId: string, userId: string): Promise<void>
  /** A peer closed the room: check the store and close it here if still closed. */
  peerClosed(roomId: string): Promise<void>
  /** Where link traffic is counted (docs/operations.md "Metrics"); default: nowhere. */
  readonly metrics?: HostMetrics
}

export interface ClusterNodeOptions {
  node: string
  /** `host:port` of this node's link endpoint, as the others reach it. */
  address: string
  leases: LeaseStore
  transport: LinkTransport
  clock: Clock
  /** Milliseconds from a monotonic source (performance.now in production). */
  monotonic: () => number
  logger: Logger
  heartbeatMs: number
  leaseMs: number
  /** Records each traced frame's hop between nodes (docs/operations.md "Spans"); default: none. */
  tracer?: Tracer
}

export interface ClusterNodeInfo {
  id: string
  address: string
  rooms: number
}

/** Most rooms deferred to another node at once (each entry lives two heartbeats). */
const deferralMemory = 100_000

/** Kinds of link message: which side of the link handles each. */
const ownerSide = new Set(['open', 'frame', 'leave', 'post', 'mark'])
const gatewaySide = new Set(['to', 'b', 'opened', 'open_failed', 'refused', 'revoked', 'lost', 'done', 'op_failed'])

interface Peer {
  channel: LinkChannel
  gateway: GatewayLink
  owner: OwnerEndpoint
}

export class ClusterNode implements ClusterRouter {
  readonly node: string
  private host: ClusterHost | undefined
  private readonly view: MembershipView
  /** The link used to reach each peer (the first one up; an accepted one counts too). */
  private readonly links = new Map<string, Peer>()
  private readonly connecting = new Map<string, Promise<Peer>>()
  private readonly allPeers = new Set<Peer>()
  private readonly handles = new Map<string, RoomHandle>()
  /**
   * Rooms another node told us it claimed while our view still names us: we route them to it
   * for two heartbeats (until views agree), instead of claiming back at once and trading the
   * room back and forth on every entry.
   */
  private readonly deferrals = new Map<string, { node: string; until: number }>()
  /** Recent revocations and closes made here: replayed, retried (announcements.ts). */
  private readonly announcements = new Announcements()
  private lastRenewal: number | undefined
  private heartbeat: (() => void) | undefined
  private ticking = false
  private stopped = false

  private readonly opts: ClusterNodeOptions
  constructor(opts: ClusterNodeOptions) {
    this.opts = opts
    this.node = opts.node
    this.view = new MembershipView(opts.node, opts.leaseMs)
    // A peer that still has our address from a previous run may link before we started.
    opts.transport.onAccept = (channel) => (this.host ? void this.adopt(channel) : channel.terminate('not started'))
  }

  /** Join: the first renewal and listing, then one every heartbeat. */
  async start(host: ClusterHost): Promise<void> {
    this.host = host
    await this.tick()
    if (this.lastRenewal === undefined) throw new Error("could not write this node's lease")
    this.opts.logger.info('cluster_joined', { node: this.node, address: this.opts.address, nodes: this.view.ids() })
    this.schedule()
  }

  // --- ClusterRouter --------------------------------------------------------------------------

  isLocal(roomId: string): boolean {
    return !this.stopped && this.ownerOf(roomId) === this.node
  }

  /** Who should own the room now, by this node's view (for /admin/rooms/:roomId). */
  ownerOf(roomId: string): string | undefined {
    const deferral = this.deferrals.get(roomId)
    if (deferral) {
      if (deferral.until > this.opts.monotonic() && this.view.lease(deferral.node)) return deferral.node
      this.deferrals.delete(roomId)
    }
    return ownerOf(roomId, this.view.ids())
  }

  remote(roomId: string): RoomHandle {
    let handle = this.handles.get(roomId)
    if (!handle) {
      handle = this.remoteHandle(roomId)
      this.handles.set(roomId, handle)
    }
    return handle
  }

  async post(roomId: string, post: RoomPost, trace?: string): Promise<PostOutcome> {
    return (await this.ownerPeer(roomId)).gateway.post(roomId, post, trace)
  }

  async markRead(roomId: string, userId: string, seq: number): Promise<void> {
    return (await this.ownerPeer(roomId)).gateway.markRead(roomId, userId, seq)
  }

  /** The link to the room's owner by placement; `RoomOpenError` when that is this node or none. */
  private ownerPeer(roomId: string): Promise<Peer> {
    const owner = this.ownerOf(roomId)
    if (owner === undefined || owner === this.node || this.stopped)
      return Promise.reject(new RoomOpenError(this.stopped ? 'unavailable' : 'moved'))
    return this.peer(owner)
  }

  claimed(roomId: string, claim: RoomClaim): void {
    const from = claim.previous.node
    if (from === this.node) return
    this.opts.logger.info('room_moved', { room: roomId, from: from ?? null, to: this.node, epoch: claim.epoch })
    // A previous owner still alive may hold the room in memory: tell it to let go now rather
    // than at its next (fenced, refused) write.
    // Also when it is not live to us: a node paused past its lease may be back, still holding
    // the room; its lease item (while listed) says where to reach it.
    if (from !== undefined && this.view.lease(from))
      this.tell(from, { t: 'claimed', room: roomId, node: this.node, epoch: claim.epoch })
  }

  announceRevoke(roomId: string, userId: string): void {
    this.announce({ t: 'revoke', room: roomId, user: userId })
  }

  announceClose(roomId: string): void {
    this.announce({ t: 'close_room', room: roomId })
  }

  /**
   * To every live peer now, and kept a while for the nodes that are not: a node paused or
   * cut off when it was made hears it when it joins our view again. Receivers check the store
   * before acting, so a late or repeated one never undoes a later change.
   */
  private announce(header: NodeHeader): void {
    this.announcements.add(header, this.opts.monotonic())
    this.tellAll(header)
  }

  // --- admin --------------------------------------------------------------------------------

  nodes(): ClusterNodeInfo[] {
    return this.view.ids().map((id) => {
      if (id === this.node) return { id, address: this.opts.address, rooms: this.host?.localRooms().length ?? 0 }
      const lease = this.view.lease(id)
      return { id, address: lease?.address ?? '', rooms: lease?.rooms ?? 0 }
    })
  }

  // --- drain --------------------------------------------------------------------------------

  /**
   * Leave the cluster now (SIGTERM): peers hear `leaving` and take this node out of placement
   * at once; the lease is removed. The host then hands every room off (host.drain).
   */
  async leave(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.heartbeat?.()
    this.view.dropSelf()
    for (const peer of this.allPeers) peer.channel.send(encodeLink({ t: 'leaving', node: this.node }))
    try {
      await this.opts.leases.remove(this.node)
    } catch (err) {
      this.opts.logger.warn('lease_remove_failed', { node: this.node, error: String(err) })
    }
    this.opts.logger.info('node_left', { node: this.node, self: true })
  }

  /** Drop every link (after the drain handed every room off). */
  async close(): Promise<void> {
    this.stopped = true
    this.heartbeat?.()
    await this.opts.transport.close()
  }

  // --- heartbeat ----------------------------------------------------------------------------

  private schedule(): void {
    if (this.stopped) return
    const { clock, heartbeatMs } = this.opts
    this.heartbeat = clock.at(clock.now() + heartbeatMs, () => {
      this.checkLapse()
      // A tick still waiting on a slow store: the next starts when it ends; the lapse check
      // above runs on every heartbeat whatever the store does.
      if (this.ticking) return this.schedule()
      void this.tick().finally(() => this.schedule())
    })
  }

  /**
   * No renewal confirmed for `leaseMs`: the others count this node dead (and may claim its
   * rooms), so it stops serving and claiming rooms now, on its own clock, without waiting for
   * a store call that may hang.
   */
  private checkLapse(): void {
    if (this.stopped || !this.view.has(this.node)) return
    if (this.lastRenewal !== undefined && this.opts.monotonic() - this.lastRenewal < this.opts.leaseMs) return
    this.opts.logger.warn('lease_lapsed', { node: this.node })
    this.changed(this.view.dropSelf())
  }

  /** Renew our lease, read everyone's, and act on what changed. */
  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return
    this.ticking = true
    const { leases, logger, monotonic, leaseMs } = this.opts
    try {
      try {
        await leases.renew({ id: this.node, address: this.opts.address, rooms: this.host?.localRooms().length ?? 0 })
        this.lastRenewal = monotonic()
      } catch (err) {
        logger.warn('lease_renew_failed', { node: this.node, error: String(err) })
      }
      const selfLive = (): boolean => this.lastRenewal !== undefined && monotonic() - this.lastRenewal < leaseMs
      let listed: NodeLease[]
      try {
        listed = await leases.list()
      } catch (err) {
        logger.warn('lease_list_failed', { node: this.node, error: String(err) })
        // Cut off from the table: the others stop counting us once our lease lapses, so we
        // must stop serving rooms then too, whether or not we can read theirs.
        if (!this.stopped && !selfLive() && this.view.has(this.node)) this.changed(this.view.dropSelf())
        return
      }
      if (this.stopped) return
      const now = monotonic()
      const change = this.view.observe(listed, now, selfLive())
      // A node whose lease lapsed is dead to us even if its link has not noticed yet (a killed
      // task's socket can stay silent until the link's ping timeout): cut the link now, so
      // every connection on it enters its room again at the new owner.
      const dead = new Set(change.left)
      for (const peer of [...this.allPeers]) if (dead.has(peer.channel.peer)) peer.channel.terminate('lease expired')
      this.changed(change)
      this.retryUndelivered()
    } finally {
      this.ticking = false
    }
  }

  /** The live set changed: log it, and hand off every room this node should no longer own. */
  private changed(change: ViewChange): void {
    if (change.joined.length === 0 && change.left.length === 0) return
    const recent = this.announcements.all(this.opts.monotonic())
    for (const id of change.joined) {
      if (id === this.node) continue
      this.opts.logger.info('node_joined', { node: id })
      // It may have been out of reach when these were made (a pause, a partition).
      for (const header of recent) this.tellOrRetry(id, header)
    }
    for (const id of change.left) this.opts.logger.info('node_left', { node: id })
    this.deferrals.clear() // views moved: placement decides again
    this.rebalance()
    this.host?.placementChanged()
  }

  private rebalance(): void {
    const host = this.host
    if (!host) return
    for (const roomId of host.localRooms()) {
      if (this.isLocal(roomId)) continue
      void host
        .handOff(roomId, 'rebalanced')
        .catch((err: unknown) => this.opts.logger.warn('handoff_failed', { room: roomId, error: String(err) }))
    }
  }

  // --- links --------------------------------------------------------------------------------

  private remoteHandle(roomId: string): RoomHandle {
    const byConn = new Map<number, GatewayLink>()
    return {
      roomId,
      enter: async (conn: RoomConnection, since: number | undefined, trace?: string) => {
        const owner = this.ownerOf(roomId)
        if (owner === undefined || owner === this.node || this.stopped)
          throw new RoomOpenError(this.stopped ? 'unavailable' : 'moved')
        const peer = await this.peer(owner)
        byConn.set(conn.id, peer.gateway)
        try {
          await peer.gateway.open(roomId, conn, since, trace)
        } catch (err) {
          byConn.delete(conn.id)
          throw err
        }
      },
      frame: (connId: number, frame: RoomFrame, trace?: string) => byConn.get(connId)?.frame(connId, frame, trace),
      leave: (connId: number) => {
        const gateway = byConn.get(connId)
        byConn.delete(connId)
        gateway?.leave(connId)
      },
    }
  }

  /** The link to a live peer, opened if needed. */
  private peer(id: string): Promise<Peer> {
    const up = this.links.get(id)
    if (up && !up.gateway.isClosed) return Promise.resolve(up)
    let pending = this.connecting.get(id)
    if (!pending) {
      const address = this.view.lease(id)?.address
      if (!address) return Promise.reject(new RoomOpenError('unavailable'))
      pending = this.opts.transport
        .connect(id, address)
        .then(
          (channel) => this.adopt(channel),
          (err: unknown) => {
            this.opts.logger.warn('link_connect_failed', { peer: id, address, error: String(err) })
            throw new RoomOpenError('unavailable')
          },
        )
        .finally(() => this.connecting.delete(id))
      this.connecting.set(id, pending)
    }
    return pending
  }

  /** A new authenticated link, opened by either side: both roles run on it. */
  private adopt(raw: LinkChannel): Peer {
    const host = this.host
    const channel = host?.metrics?.enabled ? countedChannel(raw, host.metrics) : raw
    const peer: Peer = {
      channel,
      gateway: new GatewayLink(channel, this.opts.tracer, this.node),
      owner: new OwnerEndpoint(
        {
          limits: host!.limits,
          logger: this.opts.logger,
          nextConnectionId: () => this.host!.nextConnectionId(),
          isLocal: (roomId) => this.isLocal(roomId),
          openLocal: (roomId, conn, since) => this.host!.openLocal(roomId, conn, since),
          postLocal: (roomId, post, trace) => this.host!.postLocal(roomId, post, trace),
          markReadLocal: (roomId, userId, seq) => this.host!.markReadLocal(roomId, userId, seq),
          node: this.node,
          ...(this.opts.tracer ? { tracer: this.opts.tracer } : {}),
        },
        channel,
      ),
    }
    this.allPeers.add(peer)
    if (!this.links.get(channel.peer) || this.links.get(channel.peer)!.gateway.isClosed)
      this.links.set(channel.peer, peer)
    channel.onMessage = (data) => this.receive(peer, data)
    channel.onClose = () => {
      this.allPeers.delete(peer)
      if (this.links.get(channel.peer) === peer) this.links.delete(channel.peer)
      peer.owner.linkClosed()
      peer.gateway.linkClosed()
    }
    if (this.stopped) channel.send(encodeLink({ t: 'leaving', node: this.node }))
    // A link that broke may have taken announcements with it (sent, never read): a new one
    // carries them again; the peer checks the store before acting on any.
    for (const header of this.announcements.all(this.opts.monotonic())) channel.send(encodeLink(header))
    return peer
  }

  private receive(peer: Peer, data: string): void {
    const decoded = decodeLink(data)
    if (!decoded.ok) {
      // A peer that speaks the link wrongly is broken (or not a peer): never guess, cut it.
      this.opts.logger.warn('link_frame_invalid', { peer: peer.channel.peer, error: decoded.error })
      peer.channel.terminate('invalid link frame')
      return
    }
    const { header, payload } = decoded.message
    if (ownerSide.has(header.t)) return peer.owner.handle(header as GatewayHeader, payload)
    if (gatewaySide.has(header.t)) return peer.gateway.handle(header as OwnerHeader, payload)
    this.onNodeMessage(peer, header as NodeHeader)
  }

  /** Messages about the cluster rather than one connection. */
  private onNodeMessage(peer: Peer, header: NodeHeader): void {
    const host = this.host
    switch (header.t) {
      case 'revoke':
        void host
          ?.peerRevoked(header.room, header.user)
          .catch((err: unknown) =>
            this.opts.logger.warn('revoke_failed', { room: header.room, user: header.user, error: String(err) }),
          )
        return
      case 'close_room':
        void host
          ?.peerClosed(header.room)
          .catch((err: unknown) => this.opts.logger.warn('close_failed', { room: header.room, error: String(err) }))
        return
      case 'leaving':
        if (header.node !== peer.channel.peer) return
        return this.changed(this.view.markLeaving(header.node))
      case 'claimed':
        if (header.node !== peer.channel.peer || !host) return
        // Only a claim newer than ours: a late notice about an older claim changes nothing.
        if ((host.roomEpoch(header.room) ?? Infinity) >= header.epoch) return
        if (this.deferrals.size < deferralMemory) {
          this.deferrals.set(header.room, {
            node: header.node,
            until: this.opts.monotonic() + 2 * this.opts.heartbeatMs,
          })
        }
        void host.handOff(header.room, 'room moved').catch(() => undefined)
        return
    }
  }

  private tell(id: string, header: LinkHeader, undelivered?: () => void): void {
    this.peer(id).then(
      (peer) => peer.channel.send(encodeLink(header)),
      () => undelivered?.(),
    )
  }

  /**
   * To every live peer (revocations, closes): the ones not linked yet are connected; one
   * that cannot be reached now (a partition of the link alone) is tried again every
   * heartbeat while the announcement is remembered.
   */
  private tellAll(header: NodeHeader): void {
    for (const id of this.view.ids()) if (id !== this.node) this.tellOrRetry(id, header)
  }

  private tellOrRetry(id: string, header: NodeHeader): void {
    this.tell(id, header, () => this.announcements.missed(id, header))
  }

  /** Each heartbeat: announcements a live peer could not be given are tried again. */
  private retryUndelivered(): void {
    for (const [id, pending] of this.announcements.retries(this.opts.monotonic())) {
      if (!this.view.has(id)) continue // out of view: replayed when it joins again
      for (const header of pending) this.tellOrRetry(id, header)
    }
  }
}
