/**
 * The in-process harness: drive room actors from a test with no sockets and no real time.
 *
 *   const world = await createWorld()
 *   const ann = await world.connect('ann', { room: 'lobby' })
 *   ann.send({ type: 'send', id: 'k1', text: 'hi' })
 *   await world.settle()
 *   ann.frames('ack')             // [{ type: 'ack', room: 'lobby', id: 'k1', seq: 1, ... }]
 *   await world.advance(10_000)   // virtual time: timers fire in order
 *   world.faults.failNext(1, 'append')   // the next write fails
 *   await world.evict('lobby')           // forces eviction; the next use re-activates
 *
 * Frames go through the same session, validation and actor code as real sockets. See README
 * "Testing with the harness" and docs/guarantees.md for the tests that use it.
 */
import { Admin } from './admin.ts'
import type { ClusterRouter } from './cluster/router.ts'
import { HarnessHost } from './testing/harness-host.ts'
import type { Limits } from './limits.ts'
import type { Logger, SocketPort } from './ports.ts'
import type { AccessCode, Session } from './host-api.ts'
import type { Store } from './store.ts'
import { InstrumentedStore } from './testing/instrumented-store.ts'
import { ManualClock } from './testing/manual-clock.ts'
import { MemoryStore } from './testing/memory-store.ts'
import { SpanRecorder } from './testing/span-recorder.ts'
import type { Tracer } from './tracing.ts'
import type { Metrics } from './metrics.ts'
import { MetricRecorder } from './testing/metric-recorder.ts'
import type { EventPublisher } from './events.ts'

export { ManualClock } from './testing/manual-clock.ts'
export { MemoryStore } from './testing/memory-store.ts'
export { Faults, StoreFaultError } from './testing/faults.ts'
export { SpanRecorder, type RecordedSpan } from './testing/span-recorder.ts'
export { MetricRecorder, type RecordedMeasurement } from './testing/metric-recorder.ts'
export { EventRecorder } from './testing/event-recorder.ts'

export interface WorldOptions {
  /** Default: a fresh MemoryStore. */
  store?: Store
  limits?: Partial<Limits>
  /** Default true, as in embedded mode. */
  autoCreateRooms?: boolean
  /** Virtual start time, epoch ms. */
  start?: number
  logger?: Logger
  /** Where rooms live with many nodes (the host's `cluster` option); default: every room local. */
  cluster?: ClusterRouter
  /**
   * Where the host records spans; `true`: a SpanRecorder on the world's clock, as
   * `world.spans`. Default: none (the noop tracer).
   */
  tracer?: Tracer | true
  /** Where the host counts; `true`: a MetricRecorder, as `world.metrics`. Default: none. */
  metrics?: Metrics | true
  /** Where rooms publish `message.created` (an EventRecorder); default: no events. */
  events?: EventPublisher
}

export interface ConnectOptions {
  /** Bind the connection to one room (`/ws/rooms/:roomId`); omit for a `/ws` connection. */
  room?: string
  since?: number
  /** Token expiry, epoch ms on the virtual clock. */
  expiresAt?: number
  name?: string
  /** Default true (Node's `ws`); false: a socket that cannot pause reading (Deno's). */
  pausable?: boolean
  /** The upgrade's trace context (a `traceparent`): the connection's frame spans link to it. */
  traceparent?: string
}

/** The server refused the connection before the upgrade (HTTP 400/403/404/503). */
export class ConnectRefusedError extends Error {
  override name = 'ConnectRefusedError'
  readonly code: AccessCode
  constructor(code: AccessCode) {
    super(`connection refused: ${code}`)
    this.code = code
  }
}

// biome-ignore lint/suspicious/noExplicitAny: frames are parsed JSON a test reads field by field (`ann.last('ack').seq`), asserted by t.match
export type Frame = { type: string; [field: string]: any }

/** A fake client socket: records what the server sends it. */
export class TestClient implements SocketPort {
  /** Every frame received, in order. */
  readonly received: Frame[] = []
  /** Set when the server closed the socket. */
  closedWith: { code: number; reason: string } | undefined
  /** Pretend this many bytes are queued, to simulate a slow consumer. */
  buffered = 0
  /** How many times the server asked to stop reading this socket until its replies drain. */
  pauses = 0
  /** Set when the server cut the socket without a closing handshake (`closedWith` 1006). */
  terminated = false
  session!: Session
  /** Present unless connected with `pausable: false`. */
  pauseReading?: () => void

  readonly userId: string
  private readonly world: TestWorld
  constructor(userId: string, world: TestWorld, pausable = true) {
    this.userId = userId
    this.world = world
    if (pausable) this.pauseReading = () => void this.pauses++
  }

  // SocketPort, called by the session
  send(text: string): void {
    if (!this.closedWith) this.received.push(JSON.parse(text) as Frame)
  }
  bufferedAmount(): number {
    return this.buffered
  }
  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason }
  }
  terminate(): void {
    this.terminated = true
    this.closedWith ??= { code: 1006, reason: '' }
  }

  /** Sends a frame (an object is JSON-encoded; a string is sent as is). */
  write(frame: object | string): void {
    if (this.closedWith) throw new Error(`${this.userId}'s socket is closed`)
    this.session.receive(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  /** Frames of one type (all frames if omitted). */
  frames(type?: string): Frame[] {
    return type === undefined ? [...this.received] : this.received.filter((f) => f.type === type)
  }

  last(type?: string): Frame | undefined {
    return this.frames(type).at(-1)
  }

  /** Forgets frames received so far. */
  clear(): void {
    this.received.length = 0
  }

  /** The client goes away (like a peer closing its socket). */
  async disconnect(): Promise<void> {
    this.closedWith ??= { code: 1000, reason: 'client closed' }
    this.session.closed()
    await this.world.settle()
  }
}

export class TestWorld {
  readonly clock: ManualClock
  readonly instrumented: InstrumentedStore
  /** The spans recorded, when the world was made with a SpanRecorder (or `tracer: true`). */
  readonly spans: SpanRecorder | undefined
  private readonly tracer: Tracer | undefined
  /** The measurements recorded, when the world was made with `metrics: true` (or a MetricRecorder). */
  readonly metrics: MetricRecorder | undefined
  private readonly meter: Metrics | undefined
  host: HarnessHost
  admin: Admin

  private readonly opts: WorldOptions
  constructor(opts: WorldOptions = {}) {
    this.opts = opts
    this.clock = new ManualClock(opts.start)
    this.instrumented = new InstrumentedStore(opts.store ?? new MemoryStore())
    this.tracer = opts.tracer === true ? new SpanRecorder(this.clock) : opts.tracer
    this.spans = this.tracer instanceof SpanRecorder ? this.tracer : undefined
    this.meter = opts.metrics === true ? new MetricRecorder() : opts.metrics
    this.metrics = this.meter instanceof MetricRecorder ? this.meter : undefined
    this.host = this.makeHost()
    this.admin = new Admin(this.host, this.store)
  }

  /** The store as the host sees it (faults apply). */
  get store(): Store {
    return this.instrumented.store
  }

  /** Make the host's store calls fail or stall. */
  get faults() {
    return this.instrumented.faults
  }

  /** Opens a connection the way the server does: access check first, then the session. */
  async connect(userId: string, opts: ConnectOptions = {}): Promise<TestClient> {
    const epoch = this.host.revocationEpoch
    if (opts.room !== undefined) {
      const access = await this.host.authorizeOrCreate(opts.room, userId)
      if (!access.ok) throw new ConnectRefusedError(access.code)
    }
    const client = new TestClient(userId, this, opts.pausable ?? true)
    const user = opts.name === undefined ? { id: userId } : { id: userId, name: opts.name }
    client.session = this.host.openSession({
      user,
      socket: client,
      ...(opts.expiresAt === undefined ? {} : { expiresAt: opts.expiresAt }),
      ...(opts.traceparent === undefined ? {} : { traceparent: opts.traceparent }),
      ...(opts.room === undefined
        ? {}
        : { room: { roomId: opts.room, epoch, ...(opts.since === undefined ? {} : { since: opts.since }) } }),
    })
    await this.settle()
    return client
  }

  /**
   * Waits until the host has nothing left to do: every event handled and every store call
   * finished, except calls held by a stall on purpose.
   */
  async settle(): Promise<void> {
    const deadline = Date.now() + 10_000 // real time: a guard against a hung test, not a timing
    let quietTurns = 0
    while (quietTurns < 3) {
      await new Promise<void>((resolve) => setImmediate(resolve))
      const { inflight, held } = this.instrumented
      // A stalled call may block a mailbox on purpose; then nothing else can move.
      const quiet = inflight === held && (held > 0 || this.host.isQuiet())
      quietTurns = quiet ? quietTurns + 1 : 0
      if (Date.now() > deadline) throw new Error('the host did not settle within 10 s')
    }
  }

  /** Moves virtual time forward by `ms`, firing timers in order and settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.clock.now() + ms
    await this.settle()
    for (let due = this.clock.nextDue(); due !== undefined && due <= end; due = this.clock.nextDue()) {
      this.clock.set(due)
      await this.settle()
    }
    this.clock.set(end)
    await this.settle()
  }

  /**
   * Evicts the room's actor now: room sockets close with 1001, /ws connections keep their
   * socket and enter the room again.
   */
  async evict(roomId: string): Promise<void> {
    await this.host.evict(roomId)
    await this.settle()
  }

  /**
   * Hands the room over as a drain does: its writes settle, then every connection loses it
   * and its session enters it again (here, a fresh actor on the same store) with `since`.
   */
  async handOff(roomId: string, reason = 'handed off'): Promise<void> {
    await this.host.handOff(roomId, reason)
    await this.settle()
  }

  /** Is an actor live for this room? */
  isActive(roomId: string): boolean {
    return this.host.isActive(roomId)
  }

  /** A new process on the same store: every actor and session of the old one is dropped. */
  async restart(): Promise<void> {
    await this.host.drain()
    this.host = this.makeHost()
    this.admin = new Admin(this.host, this.store)
    await this.settle()
  }

  private ids = 0

  private makeHost(): HarnessHost {
    return new HarnessHost({
      store: this.store,
      clock: this.clock,
      autoCreateRooms: this.opts.autoCreateRooms ?? true,
      ...(this.opts.limits ? { limits: this.opts.limits } : {}),
      ...(this.opts.logger ? { logger: this.opts.logger } : {}),
      newId: () => `m${++this.ids}`,
      ...(this.opts.cluster ? { cluster: this.opts.cluster } : {}),
      ...(this.tracer ? { tracer: this.tracer } : {}),
      ...(this.meter ? { metrics: this.meter } : {}),
      ...(this.opts.events ? { events: this.opts.events } : {}),
    })
  }
}

export async function createWorld(opts: WorldOptions = {}): Promise<TestWorld> {
  return new TestWorld(opts)
}
