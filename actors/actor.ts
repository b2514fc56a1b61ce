/**
 * The room actor's shell: runs the room core's decisions one event at a time (input gate),
 * performs their effects (sockets, storage, timers), holds a message's ack and broadcast until
 * its batch is durable (output gate) and batches writes while one is in flight (group commit).
 */
import type { Clock } from './clock.ts'
import type { RoomConnection } from './connection.ts'
import type { Effect } from './core/effects.ts'
import { RoomCore, toWire, type HistoryPage } from './core/room-core.ts'
import type { SendQuota } from './core/user-quota.ts'
import type { Limits } from './limits.ts'
import { Mailbox } from './mailbox.ts'
import type { Logger } from './ports.ts'
import { CloseCode } from './protocol/close-codes.ts'
import { countsAsRefusal, errorFrame } from './protocol/errors.ts'
import type { RoomFrame } from './protocol/frames.ts'
import { DuplicateMessageError, SeqConflictError, type PageQuery, type Store, type StoredMessage } from './store.ts'

export interface ActorDeps {
  store: Store
  clock: Clock
  limits: Limits
  logger: Logger
  newId: () => string
  /** Sends per user across every room on this node (owned by the host, shared by all rooms). */
  quota: SendQuota
  /** Called once when the actor is gone (idle, failed to activate, or stale). */
  onEvict(actor: RoomActor): void
}

/** The actor was evicted before the event reached it: ask the host for the current one. */
export class ActorGoneError extends Error {
  override name = 'ActorGoneError'
}

/** The room could not be loaded or stored: the client should retry later. */
export class RoomUnavailableError extends Error {
  override name = 'RoomUnavailableError'
}

export class RoomActor {
  readonly mailbox: Mailbox
  private core: RoomCore | undefined
  private gone = false
  private readonly conns = new Map<number, RoomConnection>()
  private typingTimer: { at: number; cancel: () => void } | undefined
  private idleTimer: (() => void) | undefined
  private readonly readWrites = new Map<string, { next: number }>()
  private loads = 0
  private settledWaiters: Array<() => void> = []

  constructor(readonly roomId: string, private readonly deps: ActorDeps) {
    this.mailbox = new Mailbox((err) => deps.logger.error('actor_error', { room: roomId, error: String(err) }))
    this.mailbox.post(() => this.activate())
  }

  // --- events, each run through the mailbox --------------------------------------------------

  /** A connection enters; resolves once its welcome (and any recovery) is sent. */
  open(conn: RoomConnection, since: number | undefined): Promise<void> {
    return this.mailbox.call(async () => {
      const core = this.live()
      const known = core.knowsMarker(conn.userId)
      const lastRead = known ? 0 : await this.deps.store.getReadMarker(this.roomId, conn.userId)
      const backlog = since === undefined ? undefined : await this.backlog(core, since)
      if (this.gone) throw new ActorGoneError()
      this.conns.set(conn.id, conn)
      this.run((out) => core.open(conn.id, conn.userId, lastRead, since, backlog, out))
    })
  }

  frame(connId: number, frame: RoomFrame): void {
    this.mailbox.post(() => {
      const core = this.core
      if (!core || !this.conns.has(connId)) return
      const now = this.deps.clock.now()
      this.run((out) => {
        switch (frame.type) {
          case 'send': return core.send(connId, frame, now, out)
          case 'typing': return core.typingFrameIn(connId, frame.active, now, out)
          case 'read': return core.read(connId, frame.seq, out)
          case 'history': return core.history(connId, frame.before, frame.limit, out)
        }
      })
    })
  }

  close(connId: number): void {
    this.mailbox.post(() => {
      if (!this.conns.delete(connId) || !this.core) return
      const core = this.core
      this.run((out) => core.close(connId, this.deps.clock.now(), out))
    })
  }

  revoke(userId: string): void {
    this.mailbox.post(() => {
      const core = this.core
      if (core) this.run((out) => core.revoke(userId, this.deps.clock.now(), out))
    })
  }

  /** Closed by an admin: every connection leaves (4404, or `left` with reason "closed" on /ws). */
  closeRoom(): void {
    this.mailbox.post(() => {
      const core = this.core
      const conns = [...this.conns.values()]
      this.conns.clear()
      for (const conn of conns) conn.revoked('closed')
      if (core) this.run((out) => conns.forEach((conn) => core.close(conn.id, this.deps.clock.now(), out)))
    })
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
   * Evict now (drain or tests): closes every connection, waits for accepted writes to finish
   * (outside the gate, since their completions run through it), then forgets the actor.
   */
  async evictNow(code: number = CloseCode.goingAway, reason = 'evicted'): Promise<void> {
    await this.mailbox.call(() => this.kickAll(code, reason))
    await this.settled()
    await this.mailbox.call(() => this.evict(code, reason))
  }

  // --- activation and effects ----------------------------------------------------------------

  private async activate(): Promise<void> {
    const { store, clock, limits } = this.deps
    try {
      const snapshot = await store.loadRoom(this.roomId, {
        recentLimit: limits.recentBufferSize,
        idempotencySince: clock.now() - limits.idempotencyWindowMs,
      })
      this.core = new RoomCore(this.roomId, snapshot, limits, this.deps.newId, this.deps.quota)
      this.deps.logger.info('room_activated', { room: this.roomId, seq: snapshot.seq })
      this.afterEvent()
    } catch (err) {
      // Forget this actor so that the next use tries again (partyserver's onStart rule).
      this.deps.logger.error('room_activation_failed', { room: this.roomId, error: String(err) })
      this.evict()
    }
  }

  private live(): RoomCore {
    if (this.gone) throw this.core ? new ActorGoneError() : new RoomUnavailableError()
    if (!this.core) throw new RoomUnavailableError()
    return this.core
  }

  private async backlog(core: RoomCore, since: number): Promise<StoredMessage[] | undefined> {
    const buffered = core.bufferedSince(since)
    if (buffered) return buffered
    if (core.seq - since > this.deps.limits.maxRecovery) return undefined
    const upTo = core.seq
    const messages: StoredMessage[] = []
    let after = since
    while (after < upTo) {
      const page = await this.deps.store.readPage(this.roomId, { after, limit: this.deps.limits.historyMaxLimit })
      const fresh = page.messages.filter((m) => m.seq > after && m.seq <= upTo)
      if (fresh.length === 0) break
      messages.push(...fresh)
      after = fresh[fresh.length - 1]!.seq
    }
    return messages
  }

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
          const conn = this.conns.get(e.to)
          if (conn && !conn.send(JSON.stringify(e.frame))) gone.push(conn.id)
          break
        }
        case 'refuse': {
          const conn = this.conns.get(e.to)
          if (!conn) break
          if (!conn.send(JSON.stringify(e.frame))) gone.push(conn.id)
          else if (countsAsRefusal(e.frame.code)) conn.refused(e.frame.code)
          break
        }
        case 'broadcast': {
          const text = JSON.stringify(e.frame) // encoded once for every recipient
          for (const conn of this.conns.values()) {
            if (conn.userId === e.exceptUser) continue
            if (!conn.send(text, e.droppable === true)) gone.push(conn.id)
          }
          break
        }
        case 'revoke':
          for (const id of e.to) {
            const conn = this.conns.get(id)
            this.conns.delete(id)
            conn?.revoked()
          }
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
      if (!this.conns.delete(id) || !core) continue
      const out: Effect[] = []
      core.close(id, this.deps.clock.now(), out)
      this.apply(out)
    }
  }

  // --- group commit --------------------------------------------------------------------------

  private flush(): void {
    const core = this.core
    if (!core || this.gone || core.isWriting() || !core.hasPending()) return
    const batch = core.cutBatch(this.deps.clock.now())
    const expected = batch[0]!.seq - 1
    this.deps.store.append(this.roomId, expected, batch).then(
      () => this.mailbox.post(() => this.run((out) => core.batchStored(out))),
      (err: unknown) => this.mailbox.post(() => this.writeFailed(core, err)),
    )
  }

  private async writeFailed(core: RoomCore, err: unknown): Promise<void> {
    if (err instanceof DuplicateMessageError) {
      const original = await this.deps.store.findByClientId(this.roomId, err.senderId, err.clientId).catch(() => undefined)
      if (original) return this.run((out) => core.batchHadDuplicate(err.senderId, err.clientId, original, out))
    }
    this.deps.logger.error('write_failed', { room: this.roomId, error: String(err) })
    this.run((out) => core.batchFailed(out))
    if (err instanceof SeqConflictError) {
      // Another writer moved the room on: this copy is stale. Clients reconnect with `since`
      // and reach the current owner, which loads the room afresh.
      this.evict(CloseCode.tryAgainLater, 'room moved')
    }
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
            if (this.core) this.run((out) => this.core!.readSaved(userId, stored, out))
          }),
        (err: unknown) =>
          this.mailbox.post(() => {
            this.deps.logger.error('read_marker_failed', { room: this.roomId, user: userId, error: String(err) })
            this.readWrites.delete(userId)
            this.afterEvent()
          }),
      )
    }
    write(seq)
  }

  private loadHistory(to: number, before: number | undefined, limit: number): void {
    this.loads++
    const query: PageQuery = before === undefined ? { limit } : { before, limit }
    this.history(query).then(
      (page) =>
        this.mailbox.post(() => {
          this.loads--
          this.conns.get(to)?.send(JSON.stringify({ type: 'history', room: this.roomId, ...page }))
          this.afterEvent()
        }),
      (err: unknown) =>
        this.mailbox.post(() => {
          this.loads--
          this.deps.logger.error('history_failed', { room: this.roomId, error: String(err) })
          const conn = this.conns.get(to)
          conn?.send(JSON.stringify(errorFrame('unavailable', { room: this.roomId, message: 'history is unavailable; retry' })))
          this.afterEvent()
        }),
    )
  }

  // --- timers, idleness, eviction ------------------------------------------------------------

  private isSettled(): boolean {
    const core = this.core
    return !core || (!core.hasPending() && !core.isWriting() && this.readWrites.size === 0)
  }

  /** Nobody connected and nothing in flight: the actor may be evicted. */
  private isIdle(core: RoomCore): boolean {
    return core.isIdle() && this.conns.size === 0 && this.readWrites.size === 0 && this.loads === 0
  }

  private releaseSettled(): void {
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
      this.typingTimer = deadline === undefined ? undefined : {
        at: deadline,
        cancel: clock.at(deadline, () =>
          this.mailbox.post(() => {
            this.typingTimer = undefined
            this.run((out) => core.tick(clock.now(), out))
          })),
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
        }))
    } else if (!idle && this.idleTimer) {
      this.idleTimer()
      this.idleTimer = undefined
    }
  }

  private kickAll(code: number, reason: string): void {
    const conns = [...this.conns.values()]
    this.conns.clear()
    for (const conn of conns) conn.kick(code, reason)
  }

  private evict(code: number = CloseCode.goingAway, reason = 'evicted'): void {
    if (this.gone) return
    this.gone = true
    this.kickAll(code, reason)
    this.typingTimer?.cancel()
    this.idleTimer?.()
    this.typingTimer = undefined
    this.idleTimer = undefined
    this.releaseSettled()
    this.deps.logger.info('room_evicted', { room: this.roomId })
    this.deps.onEvict(this)
  }
}
