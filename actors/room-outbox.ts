/**
 * A room's events outbox (docs/events.md "Events"). The room's own log is the outbox: the
 * store keeps a cursor, the last seq whose `message.created` the queue accepted, and
 * everything after it up to the head is still to publish. The room's owner publishes in seq
 * order, one publish at a time; a group commit hands its messages here after it is durable
 * and broadcast, so publishing never delays an ack or a broadcast.
 *
 * - Events wait in memory (`eventsMaxHeldPerRoom`, and the node-wide `eventsMaxHeldBytes`);
 *   past either cap they are dropped from memory and read again from the store, a page at a
 *   time from the cursor, when the queue takes events again.
 * - A failed publish is retried from 100 ms, doubling up to `eventsRetryMaxMs`; the room
 *   keeps serving meanwhile.
 * - The cursor is written every `eventsCursorEvery` published seqs, and once the room's events
 *   are all published and it has been quiet for `eventsCursorIdleMs` (so not once per
 *   message); the room is not idle (not evicted) until its cursor is written. A crash
 *   re-publishes what the cursor had not reached: fewer than `eventsCursorEvery` events already
 *   accepted, plus any in flight.
 * - At activation the outbox reads the cursor and publishes from it to the head (a node killed
 *   between the store write and the publish loses nothing: the next owner publishes them).
 */
import type { Clock } from './clock.ts'
import type { EventPublisher, MessageCreatedEvent } from './events.ts'
import { heldBytes, type EventsBudget } from './events-budget.ts'
import type { Limits } from './limits.ts'
import type { HostMetrics } from './metrics.ts'
import type { Logger } from './ports.ts'
import { type HeldMessage, RoomAudience } from './room-audience.ts'
import type { Store, StoredMessage } from './store.ts'
import { noopTracer, type SpanAttributes, type Tracer } from './tracing.ts'

/** The first retry's wait; each failure in a row doubles it, up to `eventsRetryMaxMs`. */
const RETRY_BASE_MS = 100
/** Events that fill one SQS SendMessageBatch: this many waiting are published without lingering. */
const FULL_BATCH = 10

export interface OutboxDeps {
  roomId: string
  store: Store
  publisher: EventPublisher
  clock: Clock
  limits: Limits
  logger: Logger
  budget: EventsBudget
  metrics: HostMetrics
  tracer?: Tracer
  spanAttributes: () => SpanAttributes
  /** Users with a live connection in the room now (events read back from the store use it). */
  connectedNow: () => ReadonlySet<string>
  /** The outbox may have become settled: the room checks whether it is idle. */
  changed: () => void
}

export class RoomOutbox {
  readonly audience: RoomAudience
  private head = 0
  private published = 0
  private persisted = 0
  private started = false
  private stopped = false
  private held: HeldMessage[] = []
  private heldBytes = 0
  private publishing = false
  private cursorWriting = false
  private failures = 0
  /** A retry waiting out its backoff: `cancel` it, or `run` it now. */
  private retry: { cancel: () => void; run: () => void } | undefined
  private idleTimer: (() => void) | undefined
  /** Waiting (`eventsLingerMs` from the oldest unpublished event) for a fuller batch. */
  private lingerTimer: (() => void) | undefined
  /** When the oldest event not yet published was stored (clock ms); undefined when caught up. */
  private behindSince: number | undefined
  private overflowLogged = false
  /** `finish` waiting for the publish under way; set once a publish fails while finishing. */
  private finishWaiters: Array<() => void> = []
  private finishing = false
  private failedWhileFinishing = false
  private readonly deps: OutboxDeps

  constructor(deps: OutboxDeps) {
    this.deps = deps
    this.audience = new RoomAudience(deps.roomId, deps.store, deps.clock, deps.limits)
  }

  /** Activation: the room's head; reads the cursor, then publishes what it has not reached. */
  start(head: number): void {
    this.head = Math.max(this.head, head)
    this.readCursor()
  }

  /**
   * A group commit's messages, durable and broadcast. `connected`: the users with a live
   * connection in the room as they were stored (only when `audience.needsPresence()`).
   */
  stored(messages: readonly StoredMessage[], connected?: ReadonlySet<string>): void {
    if (this.stopped || messages.length === 0) return
    const last = messages[messages.length - 1]!.seq
    if (last <= this.head) return
    if (this.started) this.deps.metrics.eventsBacklog.add(last - this.head)
    if (this.published >= this.head) this.behindSince = this.deps.clock.now()
    this.head = last
    this.hold(messages, connected)
    this.cancelIdle()
    this.pump()
  }

  /** Nothing left to publish or to write: the room may be evicted. */
  settled(): boolean {
    return (
      this.stopped ||
      (this.published >= this.head && this.persisted >= this.published && !this.publishing && !this.cursorWriting)
    )
  }

  /**
   * The room leaves this node (drain, handoff): publish what the queue takes now (up to the
   * first failure), write the cursor, stop. The next owner continues from the cursor.
   */
  async finish(): Promise<void> {
    if (this.stopped) return
    this.finishing = true
    this.cancelLinger()
    const retry = this.retry
    if (retry) {
      // Waiting out a backoff: one more attempt now instead.
      retry.cancel()
      this.retry = undefined
      retry.run()
    }
    this.pump()
    while (
      !this.stopped &&
      !this.failedWhileFinishing &&
      (!this.started || this.publishing || this.published < this.head)
    )
      await new Promise<void>((resolve) => this.finishWaiters.push(resolve))
    const target = this.published
    if (!this.stopped && target > this.persisted) {
      await this.deps.store.advanceEventsCursor(this.deps.roomId, target).then(
        () => {
          this.persisted = Math.max(this.persisted, target)
        },
        (err: unknown) => this.deps.logger.warn('events_cursor_failed', { room: this.deps.roomId, error: String(err) }),
      )
    }
    this.stop()
  }

  /** The room is gone here (evicted, fenced): no more publishing, memory given back. */
  stop(): void {
    if (this.stopped) return
    this.stopped = true
    this.retry?.cancel()
    this.retry = undefined
    this.cancelIdle()
    this.cancelLinger()
    this.dropHeld()
    if (this.started) this.deps.metrics.eventsBacklog.add(-(this.head - this.published))
    this.wakeFinish()
  }

  // --- publishing ----------------------------------------------------------------------------

  private readCursor(): void {
    this.deps.store.getEventsCursor(this.deps.roomId).then(
      (cursor) => {
        if (this.stopped) return
        this.published = this.persisted = cursor
        this.started = true
        this.deps.metrics.eventsBacklog.add(Math.max(0, this.head - cursor))
        this.dropPublished()
        this.pump()
        this.wakeFinish()
        this.deps.changed()
      },
      (err: unknown) => {
        if (this.stopped) return
        this.failed(err, () => this.readCursor())
      },
    )
  }

  private pump(): void {
    if (!this.started || this.stopped || this.publishing || this.retry || this.lingerTimer) return
    if (this.published >= this.head) return this.caughtUp()
    if (this.linger()) return
    this.publishing = true
    this.publishNext().then(
      () => {
        this.publishing = false
        if (this.stopped) return
        if (this.failures > 0)
          this.deps.logger.info('events_publish_recovered', { room: this.deps.roomId, failures: this.failures })
        this.failures = 0
        if (this.published - this.persisted >= this.deps.limits.eventsCursorEvery) this.writeCursor()
        this.pump()
        this.wakeFinish()
        this.deps.changed()
      },
      (err: unknown) => {
        this.publishing = false
        if (this.stopped) return
        this.deps.metrics.eventsPublishFailures.add(1)
        this.failed(err, () => this.pump())
        this.deps.changed()
      },
    )
  }

  /**
   * Fewer than a full batch waiting: wait until `eventsLingerMs` after the oldest of them was
   * stored, so a room sending a few messages a second publishes several per SQS call (one
   * call's CPU is many deliveries': docs/benchmarks.md "Events"). Never while finishing.
   */
  private linger(): boolean {
    const { clock, limits } = this.deps
    const since = this.behindSince
    if (this.finishing || since === undefined || this.head - this.published >= FULL_BATCH) return false
    const at = since + limits.eventsLingerMs
    if (clock.now() >= at) return false
    this.lingerTimer = clock.at(at, () => {
      this.lingerTimer = undefined
      this.pump()
    })
    return true
  }

  private cancelLinger(): void {
    this.lingerTimer?.()
    this.lingerTimer = undefined
  }

  /** Publishes the next events in seq order; rejects unless the queue took all of them. */
  private async publishNext(): Promise<void> {
    const next = this.published + 1
    const batch =
      this.held[0]?.message.seq === next
        ? this.held.slice(0, this.deps.limits.eventsPublishBatch)
        : await this.readStored(next)
    const events = await this.audience.events(batch, this.deps.connectedNow)
    const tracer = this.deps.tracer ?? noopTracer
    const span =
      tracer === noopTracer
        ? undefined
        : tracer.startSpan('room.publish', {
            kind: 'producer',
            attributes: {
              ...this.deps.spanAttributes(),
              'batch.size': events.length,
              'seq.first': events[0]!.seq,
              'seq.last': events[events.length - 1]!.seq,
            },
          })
    const publish = () => this.deps.publisher.publish(this.deps.roomId, events)
    try {
      const accepted = await (span && tracer.withActive ? tracer.withActive(span, publish) : publish())
      span?.setAttributes({ accepted })
      this.advance(events, accepted)
      if (accepted < events.length) throw new Error(`the queue took ${accepted} of ${events.length} events`)
    } catch (err) {
      span?.fail(err instanceof Error ? err.name : 'publish_failed')
      throw err
    } finally {
      span?.end()
    }
  }

  /** The next events from the store: after `next - 1`, up to what memory holds (or the head). */
  private async readStored(next: number): Promise<HeldMessage[]> {
    const upTo = this.held.length > 0 ? this.held[0]!.message.seq - 1 : this.head
    const page = await this.deps.store.readPage(this.deps.roomId, {
      after: next - 1,
      limit: Math.min(this.deps.limits.eventsPublishBatch, upTo - next + 1),
    })
    const messages = page.messages.filter((m) => m.seq >= next && m.seq <= upTo)
    // Seqs are dense up to the head: anything else is a store that cannot be read yet.
    if (messages[0]?.seq !== next) throw new Error(`the store has no message ${next}`)
    return messages.map((message) => ({ message }))
  }

  /** The queue took the first `accepted` of `events`. */
  private advance(events: readonly MessageCreatedEvent[], accepted: number): void {
    if (accepted <= 0) return
    const seq = events[accepted - 1]!.seq
    if (seq <= this.published) return
    this.deps.metrics.eventsPublished.add(accepted)
    if (!this.stopped) this.deps.metrics.eventsBacklog.add(-(seq - this.published))
    this.published = seq
    // What is still unpublished was stored after this call began: its linger starts now at the latest.
    this.behindSince = this.published >= this.head ? undefined : this.deps.clock.now()
    this.dropPublished()
  }

  private failed(err: unknown, retry: () => void): void {
    this.failures++
    if (this.finishing) this.failedWhileFinishing = true
    if (this.failures === 1)
      this.deps.logger.warn('events_publish_failed', { room: this.deps.roomId, error: String(err) })
    const delay = Math.min(this.deps.limits.eventsRetryMaxMs, RETRY_BASE_MS * 2 ** Math.min(this.failures - 1, 30))
    const cancel = this.deps.clock.at(this.deps.clock.now() + delay, () => {
      this.retry = undefined
      retry()
    })
    this.retry = { cancel, run: retry }
    this.wakeFinish()
  }

  // --- the cursor ----------------------------------------------------------------------------

  /** Everything is published: write the cursor once the room has been quiet a moment. */
  private caughtUp(): void {
    if (this.published <= this.persisted || this.idleTimer || this.cursorWriting) return
    const { clock, limits } = this.deps
    this.idleTimer = clock.at(clock.now() + limits.eventsCursorIdleMs, () => {
      this.idleTimer = undefined
      if (!this.stopped) this.writeCursor()
    })
  }

  private writeCursor(): void {
    if (this.cursorWriting || this.stopped) return
    this.cursorWriting = true
    const target = this.published
    this.deps.store.advanceEventsCursor(this.deps.roomId, target).then(
      () => {
        this.cursorWriting = false
        this.persisted = Math.max(this.persisted, target)
        if (this.stopped) return
        if (this.published - this.persisted >= this.deps.limits.eventsCursorEvery) this.writeCursor()
        else if (!this.publishing && this.published >= this.head) this.caughtUp()
        this.deps.changed()
      },
      (err: unknown) => {
        this.cursorWriting = false
        if (this.stopped) return
        this.deps.logger.warn('events_cursor_failed', { room: this.deps.roomId, error: String(err) })
        // Tried again after the quiet period (or at the next `eventsCursorEvery`).
        this.caughtUp()
        this.deps.changed()
      },
    )
  }

  private cancelIdle(): void {
    this.idleTimer?.()
    this.idleTimer = undefined
  }

  // --- memory --------------------------------------------------------------------------------

  private hold(messages: readonly StoredMessage[], connected: ReadonlySet<string> | undefined): void {
    const fresh = messages.filter((m) => m.seq > this.published)
    if (fresh.length === 0) return
    const lastHeld = this.held[this.held.length - 1]?.message.seq
    // Held events are one run of seqs: a gap (events dropped meanwhile) starts a new run.
    if (lastHeld !== undefined && fresh[0]!.seq !== lastHeld + 1) this.dropHeld()
    let bytes = 0
    for (const m of fresh) bytes += heldBytes(m.text)
    if (this.held.length + fresh.length > this.deps.limits.eventsMaxHeldPerRoom || !this.deps.budget.take(bytes)) {
      if (!this.overflowLogged)
        this.deps.logger.warn('events_held_dropped', {
          room: this.deps.roomId,
          published: this.published,
          head: this.head,
        })
      this.overflowLogged = true
      this.dropHeld()
      return
    }
    this.overflowLogged = false
    this.heldBytes += bytes
    for (const message of fresh) this.held.push(connected ? { message, connected } : { message })
  }

  /** Forget held events the queue has taken. */
  private dropPublished(): void {
    let n = 0
    let bytes = 0
    while (n < this.held.length && this.held[n]!.message.seq <= this.published) {
      bytes += heldBytes(this.held[n]!.message.text)
      n++
    }
    if (n === 0) return
    this.held.splice(0, n)
    this.heldBytes -= bytes
    this.deps.budget.give(bytes)
  }

  private dropHeld(): void {
    this.deps.budget.give(this.heldBytes)
    this.heldBytes = 0
    this.held = []
  }

  private wakeFinish(): void {
    if (this.finishWaiters.length === 0) return
    const waiters = this.finishWaiters
    this.finishWaiters = []
    for (const w of waiters) w()
  }
}
