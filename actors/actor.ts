/**
 * The room actor's shell: runs the room core's decisions one event at a time (input gate),
 * performs their effects (sockets, storage, timers), holds a message's ack and broadcast until
 * its batch is durable (output gate) and batches writes while one is in flight (group commit).
 * Store reads an entry needs (read marker, recovery backlog) happen outside the gate.
 * In a cluster it claims the room at activation and fences every write with that epoch.
 */
import type { Clock } from './clock.ts'
import type { RoomConnection } from './room-connection.ts'
import type { Effect } from './core/effects.ts'
import { RoomCore, toWire, type HistoryPage } from './core/room-core.ts'
import type { SendQuota } from './core/user-quota.ts'
import type { Limits } from './limits.ts'
import { Mailbox } from './mailbox.ts'
import type { Logger } from './ports.ts'
import type { EventPublisher } from './events.ts'
import type { EventsBudget } from './events-budget.ts'
import { RoomOutbox } from './room-outbox.ts'
import { CloseCode } from './protocol/close-codes.ts'
import { countsAsRefusal, errorFrame } from './protocol/errors.ts'
import type { RoomFrame } from './protocol/frames.ts'
import { frameInfo, type ErrorFrame, type MessageFrame, type ServerFrame } from './protocol/server-frames.ts'
import type { BroadcastGroup, RoomHandle } from './room-handle.ts'
import { RoomMovedError, type PostOutcome, type RoomPost } from './room-post.ts'
import {
  DuplicateMessageError,
  FencedError,
  SeqConflictError,
  type PageQuery,
  type RoomClaim,
  type Store,
  type StoredMessage,
} from './store.ts'
import { maxSpanLinks, roomAttributes } from './span-attributes.ts'
import { noopTracer, type Span, type SpanAttributes, type Tracer } from './tracing.ts'
import {
  appendOperation,
  loadOperation,
  noopHostMetrics,
  readMarkerOperation,
  readOperation,
  refusalCode,
  type HostMetrics,
} from './metrics.ts'

export interface ActorDeps {
  store: Store
  clock: Clock
  limits: Limits
  logger: Logger
  newId: () => string
  /** Sends per user across every room on this node (owned by the host, shared by all rooms). */
  quota: SendQuota
  /** This node's id in a cluster: with a store that has `claimRoom`, activation claims the room for it. */
  node?: string
  /** Told of the claim activation took, before the room is loaded. */
  claimed?: (claim: RoomClaim) => void
  /** Called once when the actor is gone (idle, failed to activate, stale, or handed off). */
  onEvict(actor: RoomActor): void
  /** Where commits and broadcasts are recorded as spans; default: none. */
  tracer?: Tracer
  /** Where stored messages, commits, deliveries, refusals and store errors are counted; default: nowhere. */
  metrics?: HostMetrics
  /** With events on (EVENTS_QUEUE_URL): where the room publishes `message.created`, and the
   * node-wide cap on events held in memory (docs/events.md "Events"). */
  events?: { publisher: EventPublisher; budget: EventsBudget }
}

/** The actor was evicted before the event reached it: ask the host for the current one. */
export class ActorGoneError extends Error {
  override name = 'ActorGoneError'
}

/** The room could not be loaded or stored: the client should retry later. */
export class RoomUnavailableError extends Error {
  override name = 'RoomUnavailableError'
}

/** An entry that must read the store before it can finish (see `enter`). */
interface Entry {
  core: RoomCore
  /** The room already knows the user's read marker: no need to read it. */
  knowsMarker: boolean
  /** The room's head when the entry began: the backlog is read up to it outside the gate. */
  upTo: number
  /** The buffer held the backlog when the entry began (only the marker had to be read). */
  buffered: boolean
}

export class RoomActor implements RoomHandle {
  readonly mailbox: Mailbox
  private core: RoomCore | undefined
  private gone = false
  private readonly conns = new Map<number, RoomConnection>()
  /** Broadcast groups of the connections in the room, with how many connections each has here. */
  private readonly groups = new Map<BroadcastGroup, number>()
  /** Entries reading the store outside the gate: the actor is not idle while one is under way. */
  private entering = 0
  /** Handing off (`handOff`): sends are no longer taken, so the writes settle. */
  private leaving = false
  private claimedEpoch: number | undefined
  /** A failed write is being looked up in the store: no write starts until it is known. */
  private reconciling = false
  private typingTimer: { at: number; cancel: () => void } | undefined
  private idleTimer: (() => void) | undefined
  private readonly readWrites = new Map<string, { next: number }>()
  private loads = 0
  private settledWaiters: Array<() => void> = []
  private readonly tracer: Tracer
  private readonly metrics: HostMetrics
  /** Tracing: the span context of each pending send (sender and id), until its batch is cut. */
  private readonly sendTraces = new Map<string, string>()
  /** Tracing: the span context of each message of the batch in flight, by message id. */
  private batchTraces: Map<string, string> | undefined
  private spanAttributes: SpanAttributes | undefined
  /** Posts without a connection (`post`), by the negative ids the core answers them under. */
  private readonly posts = new Map<number, (answer: PostOutcome | Error) => void>()
  private postIds = 0
  /** The room is being dropped as no longer this node's: a post refused now is retried elsewhere. */
  private abandoning = false
  /** Read markers moved without a connection (`markRead`), waiting for their write, per user. */
  private readonly readWaiters = new Map<string, Array<{ seq: number; done: (err?: Error) => void }>>()
  /** Events on: the room's outbox, publishing after each group commit. */
  private readonly outbox: RoomOutbox | undefined

  readonly roomId: string
  private readonly deps: ActorDeps
  constructor(roomId: string, deps: ActorDeps) {
    this.roomId = roomId
    this.deps = deps
    this.tracer = deps.tracer ?? noopTracer
    this.metrics = deps.metrics ?? noopHostMetrics
    this.mailbox = new Mailbox((err) => deps.logger.error('actor_error', { room: roomId, error: String(err) }))
    this.outbox = deps.events && this.makeOutbox(deps.events)
    this.mailbox.post(() => this.activate())
  }

  /** The fencing epoch this actor's claim holds (cluster stores only), once activated. */
  get epoch(): number | undefined {
    return this.claimedEpoch
  }

  // --- events, each run through the mailbox --------------------------------------------------

  /**
   * A connection enters; resolves once its welcome and any recovery backlog are sent. When
   * the store must be read (the user's read marker, messages after `since` the buffer no
   * longer holds), the reads happen outside the gate, so the room's other events do not wait
   * behind them; back in the gate, what was stored meanwhile is bridged from the buffer (or
   * read again), so the backlog ends at the room's head and live messages follow it.
   */
  async enter(conn: RoomConnection, since: number | undefined): Promise<void> {
    if (since !== undefined && since > (this.core?.seq ?? Infinity)) await this.checkStillOwner()
    const entry = await this.mailbox.call(() => this.beginEntry(conn, since))
    if (!entry) return
    try {
      await this.recover(conn, since, entry)
    } catch (err) {
      this.mailbox.post(() => {
        this.entering--
        this.afterEvent()
      })
      throw err
    }
  }

  frame(connId: number, frame: RoomFrame, trace?: string): void {
    this.mailbox.post(() => {
      const core = this.core
      if (!core || !this.conns.has(connId)) return
      // Handing off: a send is left to its session, which resends it by id where the room
      // lives next (as after any move), so that the writes here can settle.
      if (this.leaving && frame.type === 'send') return
      const now = this.deps.clock.now()
      this.run((out) => {
        switch (frame.type) {
          case 'send':
            core.send(connId, frame, now, out)
            // Queued to be written (not answered at once): its batch's commit links to it.
            if (trace !== undefined && out.at(-1)?.kind === 'flush')
              this.sendTraces.set(traceKey(this.conns.get(connId)!.userId, frame.id), trace)
            return
          case 'typing':
            return core.typingFrameIn(connId, frame.active, now, out)
          case 'read':
            return core.read(connId, frame.seq, out)
          case 'history':
            return core.history(connId, frame.before, frame.limit, out)
        }
      })
    })
  }

  leave(connId: number): void {
    this.mailbox.post(() => {
      if (!this.dropConn(connId) || !this.core) return
      const core = this.core
      this.run((out) => core.close(connId, this.deps.clock.now(), out))
    })
  }

  revoke(userId: string): void {
    this.outbox?.audience.forget()
    this.mailbox.post(() => {
      const core = this.core
      if (core) this.run((out) => core.revoke(userId, this.deps.clock.now(), out))
    })
  }

  /** Who may be in the room changed (a member added, a visibility change): events read the
   * members again for `offline`. */
  membersChanged(): void {
    this.outbox?.audience.forget()
  }

  /** Closed by an admin: every connection leaves (4404, or `left` with reason "closed" on /ws). */
  closeRoom(): void {
    this.mailbox.post(() => {
      const core = this.core
      const conns = this.takeConns()
      for (const conn of conns) conn.revoked('closed')
      if (core)
        this.run((out) => {
          for (const conn of conns) core.close(conn.id, this.deps.clock.now(), out)
        })
    })
  }

  /**
   * A message from a sender without a connection in the room (HTTP, a service): the rules of a
   * `send` (`unlimited`: no rate limit), answered once stored or refused. Rejects with
   * `RoomMovedError` or `ActorGoneError` when the room left this actor first: nothing was
   * decided, ask where it lives now. `trace`: the request's span context, linked by the commit.
   */
  async post(post: RoomPost, trace?: string): Promise<PostOutcome> {
    let answer!: (a: PostOutcome | Error) => void
    const outcome = new Promise<PostOutcome>((resolve, reject) => {
      answer = (a) => (a instanceof Error ? reject(a) : resolve(a))
    })
    await this.mailbox.call(() => {
      const core = this.live()
      // Handing off: its writes must settle, so it takes no new send (the caller retries).
      if (this.leaving) throw new RoomMovedError('the room is being handed off')
      const waiter = --this.postIds
      this.posts.set(waiter, answer)
      const frame = { type: 'send' as const, id: post.id, text: post.text }
      this.run((out) => {
        core.post(waiter, post.senderId, frame, this.deps.clock.now(), out, post.unlimited !== true)
        if (trace !== undefined && out.at(-1)?.kind === 'flush')
          this.sendTraces.set(traceKey(post.senderId, post.id), trace)
      })
    })
    return outcome
  }

  /**
   * The user's read marker moves to `seq` without a connection here (HTTP): as a `read` frame
   * (forward only, the room's connections get `read`). Resolves once stored (or when there is
   * nothing to store); rejects when the store could not take it.
   */
  async markRead(userId: string, seq: number): Promise<void> {
    // The room knows the markers of users connected here only: anyone else's is read first
    // (outside the gate), so a marker that would not move writes nothing and tells nobody.
    const marker = this.core?.knowsMarker(userId)
      ? 0
      : await this.deps.store.getReadMarker(this.roomId, userId).catch((err: unknown) => {
          throw new RoomUnavailableError('the read marker could not be read', { cause: err })
        })
    let stored: Promise<void> | undefined
    await this.mailbox.call(() => {
      const core = this.live()
      const target = Math.min(seq, core.seq)
      this.run((out) => {
        if (!core.readAs(userId, target, out, marker)) return
        stored = new Promise<void>((resolve, reject) => {
          const waiters = this.readWaiters.get(userId) ?? []
          waiters.push({ seq: target, done: (err) => (err ? reject(err) : resolve()) })
          this.readWaiters.set(userId, waiters)
        })
      })
    })
    await stored
  }

  // --- reads outside the gate ----------------------------------------------------------------

  /** A history page: from memory when the buffer holds it, else from the store. */
  async history(q: PageQuery): Promise<HistoryPage> {
    const core = this.core
    const cached = core?.historyFromBuffer(q)
    if (cached) return cached
    const page = await this.deps.store.readPage(this.roomId, q)
    // Stored but not yet acknowledged messages stay invisible until their batch completes.
    const head = this.core?.seq ?? Infinity
    return { messages: page.messages.filter((m) => m.seq <= head).map(toWire), more: page.more }
  }

  stats(): { connections: number; users: number } | undefined {
    return this.core && { connections: this.core.connectionCount(), users: this.core.userCount() }
  }

  /** Resolves when no write is pending or in flight. */
  settled(): Promise<void> {
    if (this.isSettled()) return Promise.resolve()
    return new Promise((resolve) => this.settledWaiters.push(resolve))
  }

  /**
   * Evict now (drain or tests): closes every connection's socket, waits for accepted writes
   * to finish (outside the gate, since their completions run through it), then forgets the
   * actor.
   */
  async evictNow(code: number = CloseCode.goingAway, reason = 'evicted'): Promise<void> {
    await this.mailbox.call(() => this.kickAll(code, reason))
    await this.settled()
    await this.outbox?.finish()
    await this.mailbox.call(() => this.evict((conn) => conn.kick(code, reason)))
  }

  /**
   * The room leaves this node live (drain, rebalance). From the call on no new send is
   * taken; once the writes already accepted have settled, the claim is released (so the
   * next owner's claim finds a clean handoff, not a live owner to tell), then every
   * connection is told the room is `lost` (its session enters it again where it lives next,
   * keeping its socket) and the actor is forgotten. Release failures are logged, never
   * thrown: the next owner's claim takes the room anyway.
   */
  async handOff(reason: string): Promise<void> {
    await this.mailbox.call(() => {
      this.leaving = true
    })
    await this.settled()
    if (this.gone) return
    // Nothing is written here any more: no send is taken, none is pending or in flight.
    // Publish what the queue takes now and write the cursor: the next owner goes on from it.
    await this.outbox?.finish()
    await this.release()
    await this.mailbox.call(() => this.evict((conn) => conn.lost(reason)))
  }

  private async release(): Promise<void> {
    const { store, node } = this.deps
    const epoch = this.claimedEpoch
    if (!store.releaseRoom || node === undefined || epoch === undefined) return
    try {
      const released = await store.releaseRoom(this.roomId, node, epoch)
      if (!released) this.deps.logger.info('room_release_refused', { room: this.roomId, epoch })
    } catch (err) {
      this.deps.logger.error('room_release_failed', { room: this.roomId, epoch, error: String(err) })
    }
  }

  // --- activation and entries ----------------------------------------------------------------

  private async activate(): Promise<void> {
    const { store, clock, limits, node } = this.deps
    try {
      if (store.claimRoom && node !== undefined) {
        // Ownership first: from this claim on, a previous owner's writes are fenced off, so
        // the room loaded next cannot move under this actor without its writes failing.
        const claim = await store.claimRoom(this.roomId, node)
        this.claimedEpoch = claim.epoch
        this.deps.claimed?.(claim)
      }
      const snapshot = await store.loadRoom(this.roomId, {
        recentLimit: limits.recentBufferSize,
        idempotencySince: clock.now() - limits.idempotencyWindowMs,
      })
      this.core = new RoomCore(this.roomId, snapshot, limits, this.deps.newId, this.deps.quota)
      this.outbox?.start(snapshot.seq)
      const epoch = this.claimedEpoch === undefined ? {} : { epoch: this.claimedEpoch }
      this.deps.logger.info('room_activated', { room: this.roomId, seq: snapshot.seq, ...epoch })
      this.afterEvent()
    } catch (err) {
      // Forget this actor so that the next use tries again (partyserver's onStart rule).
      this.deps.logger.error('room_activation_failed', { room: this.roomId, error: String(err) })
      this.metrics.storeErrors.add(1, loadOperation)
      this.evict()
    }
  }

  private live(): RoomCore {
    if (this.gone) throw this.core ? new ActorGoneError() : new RoomUnavailableError()
    if (!this.core) throw new RoomUnavailableError()
    return this.core
  }

  /** In the gate: finishes the entry at once when nothing must be read, else starts it. */
  private beginEntry(conn: RoomConnection, since: number | undefined): Entry | undefined {
    const core = this.live()
    const knowsMarker = core.knowsMarker(conn.userId)
    if (knowsMarker && this.finishEntry(core, conn, since, 0, since ?? 0, [])) return undefined
    this.entering++
    this.afterEvent() // an entry under way keeps the actor from going idle
    const buffered = since === undefined || core.bufferedSince(since) !== undefined
    return { core, knowsMarker, upTo: core.seq, buffered }
  }

  /**
   * Outside the gate: reads the marker and the backlog up to the head seen last, then tries to
   * finish in the gate. Each round that cannot bridge to the head saw more than the buffer
   * holds stored meanwhile, so the gap grows by at least one message a round, and past
   * `maxRecovery` the entry finishes unrecovered: the loop is bounded.
   */
  private async recover(conn: RoomConnection, since: number | undefined, entry: Entry): Promise<void> {
    const { store, limits } = this.deps
    const lastRead = entry.knowsMarker ? 0 : await store.getReadMarker(this.roomId, conn.userId)
    const read: StoredMessage[] = []
    let after = since ?? 0
    let upTo = entry.upTo
    let fromBuffer = entry.buffered
    for (;;) {
      if (!fromBuffer && since !== undefined && upTo - since <= limits.maxRecovery)
        after = await this.readRange(after, upTo, read)
      fromBuffer = false
      const done = await this.mailbox.call(() => {
        if (this.gone) throw new ActorGoneError()
        if (!this.finishEntry(entry.core, conn, since, lastRead, after, read)) {
          upTo = entry.core.seq
          return false
        }
        this.entering--
        return true
      })
      if (done) return
    }
  }

  /**
   * In the gate: puts the connection in the room if its backlog is complete: `read` holds the
   * messages in (since, after], the buffer must hold the rest up to the head. `false` when it
   * does not (more was stored meanwhile than it keeps).
   */
  private finishEntry(
    core: RoomCore,
    conn: RoomConnection,
    since: number | undefined,
    lastRead: number,
    after: number,
    read: StoredMessage[],
  ): boolean {
    let backlog: StoredMessage[] | undefined
    if (since !== undefined && core.seq - since <= this.deps.limits.maxRecovery) {
      const rest = core.bufferedSince(after)
      if (!rest) return false
      backlog = read.length === 0 ? rest : read.concat(rest)
    }
    this.addConn(conn)
    this.run((out) => core.open(conn.id, conn.userId, lastRead, since, backlog, out))
    return true
  }

  /** Outside the gate: messages in (after, upTo] into `into`, in pages; resolves the last seq read. */
  private async readRange(after: number, upTo: number, into: StoredMessage[]): Promise<number> {
    while (after < upTo) {
      const page = await this.deps.store.readPage(this.roomId, { after, limit: this.deps.limits.historyMaxLimit })
      const fresh = page.messages.filter((m) => m.seq > after && m.seq <= upTo)
      // Seqs are dense and every seq up to the head is stored: anything else would be a gap.
      if (fresh[0]?.seq !== after + 1) throw new RoomUnavailableError(`the store has no message ${after + 1}`)
      into.push(...fresh)
      after = fresh[fresh.length - 1]!.seq
    }
    return after
  }

  // --- effects -------------------------------------------------------------------------------

  /** Runs one decision and performs its effects. */
  private run(decide: (out: Effect[]) => void): void {
    const out: Effect[] = []
    decide(out)
    this.apply(out)
    this.afterEvent()
  }

  private apply(effects: Effect[]): void {
    // Connections whose socket is gone (a slow consumer cut by its session's outbound caps).
    const gone: number[] = []
    for (const e of effects) {
      switch (e.kind) {
        case 'send': {
          if (e.to < 0) {
            this.answerPost(e.to, e.frame, e.original === true)
            break
          }
          const conn = this.conns.get(e.to)
          if (conn && !give(conn, e.frame)) gone.push(conn.id)
          break
        }
        case 'refuse': {
          if (e.to < 0) {
            this.metrics.refusals.add(1, refusalCode(e.frame.code))
            this.answerPost(e.to, e.frame, false)
            break
          }
          const conn = this.conns.get(e.to)
          if (!conn) break
          this.metrics.refusals.add(1, refusalCode(e.frame.code))
          if (!give(conn, e.frame)) gone.push(conn.id)
          else if (countsAsRefusal(e.frame.code)) conn.refused(e.frame.code)
          break
        }
        case 'broadcast': {
          const span =
            e.frame.type === 'message' && this.tracer !== noopTracer ? this.broadcastSpan(e.frame) : undefined
          const text = JSON.stringify(e.frame) // encoded once for every recipient and group
          const info = frameInfo(e.frame)
          let recipients = 0
          for (const conn of this.conns.values()) {
            // A grouped connection gets it through its group, once per group below.
            if (conn.group !== undefined || conn.userId === e.exceptUser) continue
            recipients++
            if (!conn.send(text, info)) gone.push(conn.id)
          }
          for (const group of this.groups.keys()) group.broadcast(text, e.exceptUser, info)
          if (e.frame.type === 'message') this.metrics.deliveries.add(recipients + this.groups.size)
          if (span) {
            span.setAttributes({ recipients: recipients + this.groups.size, 'recipients.groups': this.groups.size })
            span.end()
          }
          break
        }
        case 'revoke':
          for (const id of e.to) this.dropConn(id)?.revoked()
          break
        case 'flush':
          this.flush()
          break
        case 'saveRead':
          this.saveRead(e.userId, e.seq)
          break
        case 'loadHistory':
          this.loadHistory(e.to, e.before, e.limit)
          break
      }
    }
    // The room forgets them like any other close (their session's own close is then a no-op).
    const core = this.core
    for (const id of gone) {
      if (!this.dropConn(id) || !core) continue
      const out: Effect[] = []
      core.close(id, this.deps.clock.now(), out)
      this.apply(out)
    }
  }

  /** A post's answer: its ack (`original`: a repeated id) or its refusal. */
  private answerPost(waiter: number, frame: ServerFrame | ErrorFrame, original: boolean): void {
    const answer = this.posts.get(waiter)
    if (!answer) return
    this.posts.delete(waiter)
    if (frame.type === 'ack') {
      answer({ ok: true, seq: frame.seq, messageId: frame.messageId, created: !original })
    } else if (frame.type === 'error') {
      // Refused because the room is no longer this node's: nothing was stored, and where the
      // room lives now it may well be taken, so the caller asks there.
      if (frame.code === 'unavailable' && this.abandoning) answer(new RoomMovedError('the room moved'))
      else
        answer({
          ok: false,
          code: frame.code,
          message: frame.message,
          ...(frame.retryAfterMs === undefined ? {} : { retryAfterMs: frame.retryAfterMs }),
        })
    }
  }

  // --- group commit --------------------------------------------------------------------------

  private flush(): void {
    const core = this.core
    if (!core || this.gone || this.reconciling || core.isWriting() || !core.hasPending()) return
    const batch = core.cutBatch(this.deps.clock.now())
    const expected = batch[0]!.seq - 1
    const span = this.tracer === noopTracer ? undefined : this.commitSpan(batch)
    const started = this.deps.clock.now()
    // With the span current, the adapter's AWS SDK spans of this write are its children.
    const append = () => this.deps.store.append(this.roomId, expected, batch, this.claimedEpoch)
    const write = span && this.tracer.withActive ? this.tracer.withActive(span, append) : append()
    write.then(
      () => {
        span?.end()
        this.metrics.commitDuration.record(this.deps.clock.now() - started)
        this.metrics.messagesStored.add(batch.length)
        this.mailbox.post(() => {
          this.run((out) => core.batchStored(out))
          // After the acks and the broadcast: publishing never delays them.
          this.outbox?.stored(batch, this.presenceForEvents())
        })
      },
      (err: unknown) => {
        if (span) {
          span.fail(err instanceof Error ? err.name : 'write_failed')
          span.end()
        }
        this.metrics.commitDuration.record(this.deps.clock.now() - started)
        this.metrics.storeErrors.add(1, appendOperation)
        this.mailbox.post(() => this.writeFailed(core, err, batch))
      },
    )
  }

  // --- spans (docs/operations.md "Spans"): only when a tracer is set -------------------------

  private attributes(): SpanAttributes {
    this.spanAttributes ??= roomAttributes(this.roomId, this.deps.node)
    return this.spanAttributes
  }

  /**
   * One group commit: its own span, linked to the spans of the sends it stores (the first
   * `maxSpanLinks`), since it serves many frames of many traces.
   */
  private commitSpan(batch: StoredMessage[]): Span {
    const links: string[] = []
    const traces = new Map<string, string>()
    for (const m of batch) {
      const key = traceKey(m.senderId, m.clientId)
      const trace = this.sendTraces.get(key)
      if (trace === undefined) continue
      this.sendTraces.delete(key)
      traces.set(m.id, trace)
      if (links.length < maxSpanLinks) links.push(trace)
    }
    this.batchTraces = traces
    const attributes = {
      ...this.attributes(),
      'batch.size': batch.length,
      'seq.first': batch[0]!.seq,
      'seq.last': batch.at(-1)!.seq,
    }
    return this.tracer.startSpan('room.commit', { kind: 'internal', links, attributes })
  }

  /** One message's broadcast, in the trace of the send that stored it (when known here). */
  private broadcastSpan(frame: MessageFrame): Span {
    const m = frame.message
    const parent = this.batchTraces?.get(m.id)
    const attributes = { ...this.attributes(), seq: m.seq, message_id: m.id, user_id: m.senderId }
    return this.tracer.startSpan(
      'room.broadcast',
      parent === undefined ? { kind: 'internal', attributes } : { kind: 'internal', parent, attributes },
    )
  }

  private async writeFailed(core: RoomCore, err: unknown, batch: StoredMessage[]): Promise<void> {
    if (err instanceof DuplicateMessageError) {
      const original = await this.deps.store
        .findByClientId(this.roomId, err.senderId, err.clientId)
        .catch(() => undefined)
      if (original) return this.run((out) => core.batchHadDuplicate(err.senderId, err.clientId, original, out))
    }
    if (err instanceof FencedError || err instanceof SeqConflictError) {
      // Another owner claimed the room (or another writer moved it on): this copy is stale
      // and writes nothing more. Its waiting senders hear `unavailable`; its connections are
      // told the room is lost, and their sessions enter it again where it lives now, with
      // `since`, keeping their sockets.
      if (err instanceof FencedError)
        this.deps.logger.warn('room_fenced', { room: this.roomId, epoch: this.claimedEpoch })
      else this.deps.logger.error('write_failed', { room: this.roomId, error: String(err) })
      this.abandoning = true
      this.run((out) => core.abandon(out))
      this.evict((conn) => conn.lost('room moved'))
      return
    }
    this.deps.logger.error('write_failed', { room: this.roomId, error: String(err) })
    this.run((out) => core.batchFailed(out))
    this.reconcile(core, batch)
  }

  /**
   * After a write whose outcome is unknown (a timeout may come after the commit), look in the
   * store before writing again: messages of the failed batch found stored are the room's
   * (broadcast, and a resend waiting for one of them gets its ack); else nothing was stored.
   * No write starts meanwhile, so the next batch continues the true head. If the store
   * cannot be read, the room is dropped and loaded afresh by its next entry.
   */
  private reconcile(core: RoomCore, batch: StoredMessage[]): void {
    this.reconciling = true
    this.deps.store.readPage(this.roomId, { after: batch[0]!.seq - 1, limit: batch.length }).then(
      (page) =>
        this.mailbox.post(() => {
          this.reconciling = false
          const stored = page.messages.filter((m) => batch.some((b) => b.id === m.id && b.seq === m.seq))
          if (stored.length > 0)
            this.deps.logger.warn('write_found_stored', { room: this.roomId, seqs: stored.map((m) => m.seq) })
          this.run((out) => core.adoptStored(stored, out))
          this.outbox?.stored(stored, this.presenceForEvents())
        }),
      (err: unknown) =>
        this.mailbox.post(() => {
          this.reconciling = false
          this.deps.logger.error('room_uncertain', { room: this.roomId, error: String(err) })
          this.metrics.storeErrors.add(1, readOperation)
          this.run((out) => core.abandon(out))
          this.evict((conn) => conn.lost('room reloaded'))
        }),
    )
  }

  /**
   * A client has seen more of the room than this actor holds: only an owner that lost the
   * room without writing since (nobody told it: a pause, a partition) can be behind its
   * clients. Ask the store who owns the room; if another claim followed ours, drop the room
   * like a fenced write would, and the entry goes to the current owner. One read, only then.
   */
  private async checkStillOwner(): Promise<void> {
    const epoch = this.claimedEpoch
    const ownership = this.deps.store.roomOwnership
    if (epoch === undefined || !ownership) return
    const current = await ownership.call(this.deps.store, this.roomId).catch(() => undefined)
    if (!current || current.epoch === epoch) return
    await this.mailbox.call(() => {
      if (this.gone) return
      this.deps.logger.warn('room_fenced', { room: this.roomId, epoch, current: current.epoch })
      this.abandoning = true
      const core = this.core
      if (core) this.run((out) => core.abandon(out))
      this.evict((conn) => conn.lost('room moved'))
    })
    throw new ActorGoneError()
  }

  // --- read markers and history loads --------------------------------------------------------

  /** One marker write per user at a time; later reads coalesce into the next write. */
  private saveRead(userId: string, seq: number): void {
    const running = this.readWrites.get(userId)
    if (running) {
      running.next = Math.max(running.next, seq)
      return
    }
    this.readWrites.set(userId, { next: 0 })
    const write = (target: number): void => {
      this.deps.store.advanceReadMarker(this.roomId, userId, target).then(
        (stored) =>
          this.mailbox.post(() => {
            const state = this.readWrites.get(userId)
            const next = state?.next ?? 0
            if (state) state.next = 0
            if (next > stored) write(next)
            else this.readWrites.delete(userId)
            this.readStored(userId, stored)
            if (this.core) this.run((out) => this.core!.readSaved(userId, stored, out))
          }),
        (err: unknown) =>
          this.mailbox.post(() => {
            this.deps.logger.error('read_marker_failed', { room: this.roomId, user: userId, error: String(err) })
            this.metrics.storeErrors.add(1, readMarkerOperation)
            this.readWrites.delete(userId)
            this.readStored(userId, undefined)
            this.afterEvent()
          }),
      )
    }
    write(seq)
  }

  /** Markers moved without a connection: stored up to `stored` (or failed, `undefined`). */
  private readStored(userId: string, stored: number | undefined): void {
    const waiters = this.readWaiters.get(userId)
    if (!waiters) return
    const left = stored === undefined ? [] : waiters.filter((w) => w.seq > stored)
    for (const w of waiters) {
      if (stored !== undefined && w.seq <= stored) w.done()
      else if (stored === undefined) w.done(new RoomUnavailableError('the read marker could not be stored'))
    }
    if (left.length > 0) this.readWaiters.set(userId, left)
    else this.readWaiters.delete(userId)
  }

  private loadHistory(to: number, before: number | undefined, limit: number): void {
    this.loads++
    const query: PageQuery = before === undefined ? { limit } : { before, limit }
    this.history(query).then(
      (page) =>
        this.mailbox.post(() => {
          this.loads--
          const conn = this.conns.get(to)
          if (conn) give(conn, { type: 'history', room: this.roomId, ...page })
          this.afterEvent()
        }),
      (err: unknown) =>
        this.mailbox.post(() => {
          this.loads--
          this.deps.logger.error('history_failed', { room: this.roomId, error: String(err) })
          this.metrics.storeErrors.add(1, readOperation)
          const conn = this.conns.get(to)
          if (conn) this.metrics.refusals.add(1, refusalCode('unavailable'))
          if (conn)
            give(conn, errorFrame('unavailable', { room: this.roomId, message: 'history is unavailable; retry' }))
          this.afterEvent()
        }),
    )
  }

  // --- timers, idleness, eviction ------------------------------------------------------------

  private isSettled(): boolean {
    const core = this.core
    return !core || (!core.hasPending() && !core.isWriting() && !this.reconciling && this.readWrites.size === 0)
  }

  /** Nobody connected and nothing in flight: the actor may be evicted. */
  private isIdle(core: RoomCore): boolean {
    return (
      core.isIdle() &&
      (this.outbox?.settled() ?? true) &&
      !this.reconciling &&
      this.conns.size === 0 &&
      this.readWrites.size === 0 &&
      this.loads === 0 &&
      this.entering === 0
    )
  }

  private releaseSettled(): void {
    if (this.settledWaiters.length === 0) return // the common case, after every event: no new array
    const waiters = this.settledWaiters
    this.settledWaiters = []
    for (const w of waiters) w()
  }

  private afterEvent(): void {
    const core = this.core
    if (!core || this.gone) return
    const { clock } = this.deps
    const deadline = core.nextDeadline()
    if (deadline !== this.typingTimer?.at) {
      this.typingTimer?.cancel()
      this.typingTimer =
        deadline === undefined
          ? undefined
          : {
              at: deadline,
              cancel: clock.at(deadline, () =>
                this.mailbox.post(() => {
                  this.typingTimer = undefined
                  this.run((out) => core.tick(clock.now(), out))
                }),
              ),
            }
    }
    if (this.isSettled()) this.releaseSettled()
    const idle = this.isIdle(core)
    if (idle && !this.idleTimer) {
      this.idleTimer = clock.at(clock.now() + this.deps.limits.idleEvictMs, () =>
        this.mailbox.post(() => {
          this.idleTimer = undefined
          if (this.isIdle(core)) this.evict()
          else this.afterEvent()
        }),
      )
    } else if (!idle && this.idleTimer) {
      this.idleTimer()
      this.idleTimer = undefined
    }
  }

  // --- events --------------------------------------------------------------------------------

  private makeOutbox(events: { publisher: EventPublisher; budget: EventsBudget }): RoomOutbox {
    const { store, clock, limits, logger, tracer } = this.deps
    return new RoomOutbox({
      roomId: this.roomId,
      store,
      clock,
      limits,
      logger,
      metrics: this.metrics,
      publisher: events.publisher,
      budget: events.budget,
      ...(tracer ? { tracer } : {}),
      spanAttributes: () => this.attributes(),
      connectedNow: () => this.connectedUsers(),
      changed: () => this.mailbox.post(() => this.afterEvent()),
    })
  }

  /** Who is connected as a batch is stored, for its events' `offline` (only where it is needed). */
  private presenceForEvents(): ReadonlySet<string> | undefined {
    return this.outbox?.audience.needsPresence() ? this.connectedUsers() : undefined
  }

  /** Users with a live connection in the room (remote gateways' connections included). */
  private connectedUsers(): Set<string> {
    const users = new Set<string>()
    for (const conn of this.conns.values()) users.add(conn.userId)
    return users
  }

  // --- connections ---------------------------------------------------------------------------

  private addConn(conn: RoomConnection): void {
    this.dropConn(conn.id) // entering again (a `join` repeated): counted once
    this.conns.set(conn.id, conn)
    if (conn.group) this.groups.set(conn.group, (this.groups.get(conn.group) ?? 0) + 1)
  }

  private dropConn(id: number): RoomConnection | undefined {
    const conn = this.conns.get(id)
    if (!conn) return undefined
    this.conns.delete(id)
    const group = conn.group
    if (group) {
      const left = (this.groups.get(group) ?? 1) - 1
      if (left > 0) this.groups.set(group, left)
      else this.groups.delete(group)
    }
    return conn
  }

  private takeConns(): RoomConnection[] {
    const conns = [...this.conns.values()]
    this.conns.clear()
    this.groups.clear()
    return conns
  }

  private kickAll(code: number, reason: string): void {
    for (const conn of this.takeConns()) conn.kick(code, reason)
  }

  /**
   * Forget the actor. `farewell` is what each connection still in the room is told: `kick`
   * (its socket closes: drain, tests) or `lost` (it stays open and enters the room elsewhere).
   */
  private evict(farewell: (conn: RoomConnection) => void = (conn) => conn.kick(CloseCode.goingAway, 'evicted')): void {
    if (this.gone) return
    this.gone = true
    for (const conn of this.takeConns()) farewell(conn)
    this.typingTimer?.cancel()
    this.idleTimer?.()
    this.typingTimer = undefined
    this.idleTimer = undefined
    this.releaseSettled()
    // Posts never answered (none should be: the writes settled or were abandoned): ask again.
    for (const answer of this.posts.values()) answer(new RoomMovedError('the room left this node'))
    this.posts.clear()
    this.outbox?.stop()
    this.sendTraces.clear()
    this.batchTraces = undefined
    this.deps.logger.info('room_evicted', { room: this.roomId })
    this.deps.onEvict(this)
  }
}

function traceKey(userId: string, clientId: string): string {
  return `${userId}\u0000${clientId}`
}

/** One frame to one connection, with what it may need to know of it. */
function give(conn: RoomConnection, frame: ServerFrame): boolean {
  return conn.send(JSON.stringify(frame), frameInfo(frame))
}
