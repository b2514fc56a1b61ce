/**
 * The actor host: at most one live actor per room id in this process, activated on first use
 * and evicted when idle; sessions for sockets; history, room listing, revocation and drain.
 */
import { ActorGoneError, RoomActor, RoomUnavailableError } from './actor.ts'
import { authorizeOrCreate } from './access.ts'
import type { ClusterRouter } from './cluster/router.ts'
import { ExpiryGroups } from './expiry.ts'
import { systemClock, type Clock } from './clock.ts'
import type { RoomConnection } from './room-connection.ts'
import { toWire } from './core/room-core.ts'
import { UserQuotas } from './core/user-quota.ts'
import { resolveLimits, type Limits } from './limits.ts'
import { silentLogger, type Logger } from './ports.ts'
import { CloseCode } from './protocol/close-codes.ts'
import { errorFrame } from './protocol/errors.ts'
import type { RoomHandle } from './room-handle.ts'
import { listMyRooms } from './list-my-rooms.ts'
import { openConversation } from './open-conversation.ts'
import type {
  AccessIntent,
  AccessResult,
  ActiveRoom,
  MyRoomsQuery,
  MyRoomsResult,
  OpenConversationResult,
  OpenSessionOptions,
  HostApi,
  Session,
  WireMessage,
} from './host-api.ts'
import { SocketSession, type SessionHost } from './session.ts'
import type { PageQuery, Store } from './store.ts'
import { noopTracer, type Tracer } from './tracing.ts'
import { noopMetrics, hostMetrics, type Metrics, type HostMetrics } from './metrics.ts'
import { AccessRevokedError, RoomClosedError } from './entry-errors.ts'
import { RoomOpenError } from './cluster/gateway-link.ts'
import { RoomMovedError, type PostOutcome, type RoomPost } from './room-post.ts'
import type { EventPublisher } from './events.ts'
import { EventsBudget } from './events-budget.ts'

export interface ActorHostOptions {
  store: Store
  clock?: Clock
  limits?: Partial<Limits>
  logger?: Logger
  /** A general room that does not exist is created public on first use. Default false. */
  autoCreateRooms?: boolean
  /** Message ids; default `crypto.randomUUID()`. */
  newId?: () => string
  /** With many nodes (docs/cluster.md): where each room lives. Without it every room is local. */
  cluster?: ClusterRouter
  /** Where rooms and sessions record spans (docs/operations.md "Spans"); default: none. */
  tracer?: Tracer
  /** Where the host counts connections, rooms, messages... (docs/operations.md "Metrics"); default: nowhere. */
  metrics?: Metrics
  /** base64url digest of a text, for pair conversations' room ids; default SHA-256 (`crypto.subtle`). */
  digest?: (text: string) => Promise<string>
  /** Where rooms publish `message.created` after each group commit (docs/events.md); default: no events. */
  events?: EventPublisher
}

/** Revocations and closings made here are announced to the other nodes unless `announce: false`. */
export interface AnnounceOptions {
  /** Default true; false when applying another node's announcement. */
  announce?: boolean
}

// biome-ignore lint/style/noRestrictedGlobals: the defaults of the injected newId and digest, the one use of crypto in actors/
const webCrypto = crypto

/** How many recent revocations (and room closings) are remembered to close the check-then-enter race. */
const revocationMemory = 10_000

export class ActorHost implements HostApi, SessionHost {
  readonly store: Store
  readonly clock: Clock
  readonly limits: Limits
  readonly logger: Logger
  readonly tracer: Tracer
  readonly metrics: HostMetrics
  revocationEpoch = 0
  private readonly autoCreateRooms: boolean
  private readonly newId: () => string
  private readonly digest: (text: string) => Promise<string>
  private readonly cluster: ClusterRouter | undefined
  // Protected, not private, for the harness's HarnessHost (actors/testing/harness-host.ts) only.
  protected readonly actors = new Map<string, RoomActor>()
  protected readonly sessions = new Set<SocketSession>()
  /** Open sessions per user (`maxConnectionsPerUser`; also who counts as connected). */
  private readonly userSessions = new Map<string, number>()
  /** Sends, bytes and room creations per user across every room on this node. */
  readonly quotas: UserQuotas
  private readonly revokedAt = new Map<string, number>()
  private readonly closedAt = new Map<string, number>()
  private connectionIds = 0
  private readonly expiries: ExpiryGroups<SocketSession>
  protected draining = false
  /** Events on: the publisher and the node-wide cap on events held in memory (tests read `held`). */
  readonly events: { publisher: EventPublisher; budget: EventsBudget } | undefined

  constructor(opts: ActorHostOptions) {
    this.store = opts.store
    this.clock = opts.clock ?? systemClock
    const limits = resolveLimits(opts.limits)
    // A store that caps its batches (DynamoDB) wins over the configured group-commit size.
    this.limits = { ...limits, maxBatchSize: Math.min(limits.maxBatchSize, opts.store.maxBatchSize ?? Infinity) }
    this.logger = opts.logger ?? silentLogger
    this.autoCreateRooms = opts.autoCreateRooms ?? false
    this.newId = opts.newId ?? (() => webCrypto.randomUUID())
    this.digest = opts.digest ?? sha256
    this.cluster = opts.cluster
    this.tracer = opts.tracer ?? noopTracer
    this.metrics = hostMetrics(opts.metrics ?? noopMetrics)
    this.expiries = new ExpiryGroups(this.clock, (session) => session.expire())
    this.quotas = new UserQuotas(this.limits, (userId) => this.userSessions.has(userId))
    this.events = opts.events && { publisher: opts.events, budget: new EventsBudget(this.limits.eventsMaxHeldBytes) }
  }

  // --- HostApi -------------------------------------------------------------------------------

  authorizeOrCreate(roomId: string, userId: string, intent: AccessIntent = 'enter'): Promise<AccessResult> {
    const opts = { autoCreateRooms: this.autoCreateRooms, creates: this.quotas, now: () => this.clock.now() }
    return authorizeOrCreate(this.store, opts, roomId, userId, intent)
  }

  mayConnect(userId: string): boolean {
    return (this.userSessions.get(userId) ?? 0) < this.limits.maxConnectionsPerUser
  }

  openSession(opts: OpenSessionOptions): Session {
    // The server checked `mayConnect` before upgrading; checked again here since two upgrades
    // of one user may both pass the check before either opens.
    if (!this.mayConnect(opts.user.id)) return this.refuseSession(opts)
    const session = new SocketSession(this, opts)
    this.sessions.add(session)
    this.userSessions.set(opts.user.id, (this.userSessions.get(opts.user.id) ?? 0) + 1)
    this.metrics.connections.add(1)
    if (this.draining) session.end(CloseCode.goingAway, 'server draining')
    return session
  }

  async history(roomId: string, query: Partial<PageQuery>): Promise<{ messages: WireMessage[]; more: boolean }> {
    const q: PageQuery = { limit: query.limit ?? this.limits.historyDefaultLimit }
    if (query.before !== undefined) q.before = query.before
    if (query.after !== undefined) q.after = query.after
    const actor = this.actors.get(roomId)
    if (actor) return actor.history(q)
    const page = await this.store.readPage(roomId, q)
    return { messages: page.messages.map(toWire), more: page.more }
  }

  post(roomId: string, post: RoomPost, trace?: string): Promise<PostOutcome> {
    return this.viaOwner(
      roomId,
      (actor) => actor.post(post, trace),
      (cluster) => cluster.post(roomId, post, trace),
    )
  }

  markRead(roomId: string, userId: string, seq: number): Promise<void> {
    return this.viaOwner(
      roomId,
      (actor) => actor.markRead(userId, seq),
      (cluster) => cluster.markRead(roomId, userId, seq),
    )
  }

  /** On the owner, for a gateway node's post (over the link): here, or `RoomMovedError`. */
  postLocal(roomId: string, post: RoomPost, trace?: string): Promise<PostOutcome> {
    return this.viaOwner(roomId, (actor) => actor.post(post, trace))
  }

  /** On the owner, for a gateway node's read marker (over the link). */
  markReadLocal(roomId: string, userId: string, seq: number): Promise<void> {
    return this.viaOwner(roomId, (actor) => actor.markRead(userId, seq))
  }

  /**
   * Runs an operation on the room's owner: this node's actor, or (`remote`, when given) the
   * owner node over the link. A move on the way (an actor evicted or handed off, an owner
   * fenced off, unreachable or no longer the owner) decided nothing: it is tried again where
   * placement says the room lives now, at once and then with a growing pause, for at most
   * `roomMoveTimeoutMs`. Without `remote` (the owner serving a gateway) a room that is not
   * local rejects with `RoomMovedError`, so the gateway asks again and no request is
   * forwarded twice.
   */
  private async viaOwner<T>(
    roomId: string,
    local: (actor: RoomActor) => Promise<T>,
    remote?: (cluster: ClusterRouter) => Promise<T>,
  ): Promise<T> {
    const giveUp = this.clock.now() + this.limits.roomMoveTimeoutMs
    for (let attempt = 0; ; attempt++) {
      if (this.draining) throw new RoomUnavailableError('this node is draining')
      try {
        if (this.cluster && !this.cluster.isLocal(roomId)) {
          if (!remote) throw new RoomMovedError('the room is not on this node')
          return await remote(this.cluster)
        }
        return await local(this.actorFor(roomId))
      } catch (err) {
        const moved = err instanceof ActorGoneError || err instanceof RoomMovedError || err instanceof RoomOpenError
        if (!moved || (!remote && this.cluster && !this.cluster.isLocal(roomId))) throw err
        if (this.clock.now() >= giveUp) throw new RoomUnavailableError('the room could not be reached', { cause: err })
      }
      // The first retry at once (an evicted actor is simply made again); then a growing pause,
      // the time placement needs to settle on the room's next owner.
      if (attempt > 0) await this.pause(Math.min(1000, 25 * 2 ** attempt))
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.at(this.clock.now() + ms, resolve))
  }

  openConversation(userId: string, members: readonly string[]): Promise<OpenConversationResult> {
    const deps = {
      store: this.store,
      quota: this.quotas,
      now: () => this.clock.now(),
      newId: this.newId,
      digest: this.digest,
    }
    return openConversation(deps, userId, members)
  }

  myRooms(userId: string, query: MyRoomsQuery): Promise<MyRoomsResult> {
    return listMyRooms(this.store, userId, query, this.limits.maxMyRooms)
  }

  activeRooms(): ActiveRoom[] {
    const rooms: ActiveRoom[] = []
    for (const actor of this.actors.values()) {
      const stats = actor.stats()
      if (stats) rooms.push({ room: actor.roomId, ...stats })
    }
    return rooms
  }

  async drain(): Promise<void> {
    this.draining = true
    for (const session of [...this.sessions]) session.end(CloseCode.goingAway, 'server draining')
    // In a cluster the rooms live on elsewhere: hand each off (writes settled, ownership
    // released, the other nodes' connections moved live) rather than closing them.
    const leave = (a: RoomActor) =>
      this.cluster ? a.handOff('owner draining') : a.evictNow(CloseCode.goingAway, 'server draining')
    await Promise.all([...this.actors.values()].map(leave))
    this.logger.info('drained')
  }

  // --- revocation and eviction ---------------------------------------------------------------

  /** Closes the user's connections in the room (4403, or `left` on /ws), on every node. */
  revoke(roomId: string, userId: string, opts: AnnounceOptions = {}): void {
    const epoch = ++this.revocationEpoch
    const key = `${roomId}\u0000${userId}`
    this.revokedAt.delete(key)
    this.revokedAt.set(key, epoch)
    if (this.revokedAt.size > revocationMemory) this.revokedAt.delete(this.revokedAt.keys().next().value!)
    const actor = this.actors.get(roomId)
    if (actor) actor.revoke(userId)
    else {
      // The room lives on another node: this node's sessions leave it now, without waiting
      // for the owner to relay it (it may not have heard, or its link may be down).
      for (const session of this.sessions)
        if (session.user.id === userId && session.isIn(roomId)) session.revoked(roomId, 'revoked')
    }
    if (opts.announce ?? true) this.cluster?.announceRevoke(roomId, userId)
  }

  /**
   * The room was closed (already in the store): every connection leaves it (4404, or `left`
   * with reason "closed" on /ws), and an entry whose access check began before is refused.
   */
  closeRoom(roomId: string, opts: AnnounceOptions = {}): void {
    this.closedAt.delete(roomId)
    this.closedAt.set(roomId, ++this.revocationEpoch)
    if (this.closedAt.size > revocationMemory) this.closedAt.delete(this.closedAt.keys().next().value!)
    this.logger.info('room_closed', { room: roomId, connections: this.actors.get(roomId)?.stats()?.connections ?? 0 })
    const actor = this.actors.get(roomId)
    if (actor) actor.closeRoom()
    else for (const session of this.sessions) if (session.isIn(roomId)) session.revoked(roomId, 'closed')
    if (opts.announce ?? true) this.cluster?.announceClose(roomId)
  }

  /**
   * Another node revoked the user (or a replay of that, for a node that was out of reach):
   * read the store afresh and revoke here unless the member was let in again since. If the
   * store cannot answer, the revocation wins.
   */
  async peerRevoked(roomId: string, userId: string): Promise<void> {
    this.store.forgetAccess?.(roomId, userId)
    // Not this.authorizeOrCreate: with AUTO_CREATE_ROOMS a room without a record reads as open, and a
    // revocation must still win there. The store's own answer, nothing created.
    const access = await authorizeOrCreate(
      this.store,
      { autoCreateRooms: false, creates: this.quotas, now: () => this.clock.now() },
      roomId,
      userId,
      'read',
    )
    if (access.ok) return
    this.revoke(roomId, userId, { announce: false })
  }

  /** Another node closed the room: close it here too unless it was reopened since. */
  async peerClosed(roomId: string): Promise<void> {
    this.store.forgetAccess?.(roomId)
    const record = await this.store.getRoom(roomId).catch(() => ({ roomId, closed: true as const }))
    if (record?.closed) this.closeRoom(roomId, { announce: false })
  }

  /** Members were added or the room's visibility changed: its events read the members again. */
  membersChanged(roomId: string): void {
    this.actors.get(roomId)?.membersChanged()
  }

  /** Users connected to the room on this node. */
  connectedUsers(roomId: string): string[] {
    const users = new Set<string>()
    for (const s of this.sessions) if (s.joinedRooms().includes(roomId)) users.add(s.user.id)
    return [...users]
  }

  /**
   * Hands the room over (drain, rebalance): its writes settle, then every connection is told
   * the room is lost here (its session enters it again wherever it lives now).
   */
  /** The live nodes changed: sessions waiting to enter a moved room again retry now. */
  placementChanged(): void {
    for (const session of this.sessions) session.retryMovesNow()
  }

  /** The fencing epoch of the room's actor here, if it has claimed the room. */
  roomEpoch(roomId: string): number | undefined {
    return this.actors.get(roomId)?.epoch
  }

  async handOff(roomId: string, reason: string): Promise<void> {
    await this.actors.get(roomId)?.handOff(reason)
  }

  /** Rooms with a live actor on this node. */
  localRooms(): string[] {
    return [...this.actors.keys()]
  }

  // --- SessionHost ---------------------------------------------------------------------------

  /** This node's id in a cluster (the `node` span attribute). */
  get node(): string | undefined {
    return this.cluster?.node
  }

  nextConnectionId(): number {
    return ++this.connectionIds
  }

  async enter(
    roomId: string,
    conn: RoomConnection,
    since: number | undefined,
    epoch: number,
    trace?: string,
  ): Promise<RoomHandle> {
    if ((this.revokedAt.get(`${roomId}\u0000${conn.userId}`) ?? 0) > epoch) throw new AccessRevokedError()
    if ((this.closedAt.get(roomId) ?? 0) > epoch) throw new RoomClosedError()
    if (this.cluster && !this.cluster.isLocal(roomId)) {
      const remote = this.cluster.remote(roomId)
      await remote.enter(conn, since, trace)
      return remote
    }
    return this.openLocal(roomId, conn, since)
  }

  /**
   * Puts a connection in this node's actor of the room: a local session's (through `enter`)
   * or, on the owner, a remote gateway's connection (whose node checked its access).
   */
  async openLocal(roomId: string, conn: RoomConnection, since: number | undefined): Promise<RoomHandle> {
    for (let attempt = 0; ; attempt++) {
      // A retry after an eviction asks placement again: the eviction may have been a handoff,
      // and a fresh actor here would claim a room placement now gives to another node.
      if (attempt > 0 && this.cluster && !this.cluster.isLocal(roomId))
        throw new RoomUnavailableError('the room moved to another node')
      const actor = this.actorFor(roomId)
      try {
        await actor.enter(conn, since)
        return actor
      } catch (err) {
        // The actor was evicted between lookup and entry: the next lookup makes a fresh one.
        if (!(err instanceof ActorGoneError) || attempt >= 2) throw err
      }
    }
  }

  sessionEnded(session: SocketSession): void {
    if (!this.sessions.delete(session)) return
    this.metrics.connections.add(-1)
    const userId = session.user.id
    const open = (this.userSessions.get(userId) ?? 1) - 1
    if (open > 0) this.userSessions.set(userId, open)
    else this.userSessions.delete(userId)
  }

  expireAt(at: number, session: SocketSession): void {
    this.expiries.add(at, session)
  }

  forgetExpiry(at: number, session: SocketSession): void {
    this.expiries.delete(at, session)
  }

  /** Over `maxConnectionsPerUser`: says why on the socket and closes it (1008), no session. */
  private refuseSession(opts: OpenSessionOptions): Session {
    const max = this.limits.maxConnectionsPerUser
    this.logger.warn('too_many_connections', { user: opts.user.id, max })
    opts.socket.send(JSON.stringify(errorFrame('limit_exceeded', { message: `at most ${max} connections per user` })))
    opts.socket.close(CloseCode.policy, 'too many connections')
    return { receive() {}, closed() {} }
  }

  private actorFor(roomId: string): RoomActor {
    let actor = this.actors.get(roomId)
    if (!actor) {
      actor = new RoomActor(roomId, {
        store: this.store,
        clock: this.clock,
        limits: this.limits,
        logger: this.logger,
        newId: this.newId,
        quota: this.quotas,
        tracer: this.tracer,
        metrics: this.metrics,
        ...(this.events ? { events: this.events } : {}),
        ...(this.cluster ? { node: this.cluster.node, claimed: (claim) => this.cluster!.claimed(roomId, claim) } : {}),
        onEvict: (gone) => {
          this.metrics.activeRooms.add(-1)
          if (this.actors.get(roomId) === gone) this.actors.delete(roomId)
        },
      })
      this.actors.set(roomId, actor)
      this.metrics.activeRooms.add(1)
    }
    return actor
  }
}

/** The default digest: SHA-256, base64url. */
async function sha256(text: string): Promise<string> {
  const hash = new Uint8Array(await webCrypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))
  let binary = ''
  for (const byte of hash) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
