/**
 * A room actor driven directly, without sessions: fake connections that record every frame
 * with its FrameInfo, broadcast groups that record what they were given, and an optional
 * ownership layer (claimRoom / releaseRoom / fenced appends) over any store, as a cluster
 * store has. For the seams tests (test/actors/seams-actor*.test.ts).
 */
import { RoomActor } from '../../actors/actor.ts'
import type { LeaveReason, RoomConnection } from '../../actors/room-connection.ts'
import { UserQuotas } from '../../actors/core/user-quota.ts'
import { resolveLimits, type Limits } from '../../actors/limits.ts'
import type { Logger } from '../../actors/ports.ts'
import type { BroadcastGroup, FrameInfo } from '../../actors/room-handle.ts'
import { FencedError, type RoomClaim, type RoomOwnership, type Store, type StoredMessage } from '../../actors/store.ts'
import { InstrumentedStore } from '../../actors/testing/instrumented-store.ts'
import { ManualClock } from '../../actors/testing/manual-clock.ts'
import { MemoryStore } from '../../actors/testing/memory-store.ts'

// biome-ignore lint/suspicious/noExplicitAny: frames are parsed JSON a test reads field by field, asserted by t.match
export type Frame = { type: string; [field: string]: any }

export class FakeConn implements RoomConnection {
  readonly received: { frame: Frame; info: FrameInfo | undefined }[] = []
  lostWith: string | undefined
  kickedWith: { code: number; reason: string } | undefined
  revokedWith: LeaveReason | undefined

  readonly id: number
  readonly userId: string
  readonly group?: BroadcastGroup
  constructor(id: number, userId: string, group?: BroadcastGroup) {
    this.id = id
    this.userId = userId
    this.group = group
  }

  send(text: string, info?: FrameInfo): boolean {
    this.received.push({ frame: JSON.parse(text) as Frame, info })
    return true
  }
  refused(): void {}
  revoked(reason?: LeaveReason): void {
    this.revokedWith = reason ?? 'revoked'
  }
  lost(reason: string): void {
    this.lostWith = reason
  }
  kick(code: number, reason: string): void {
    this.kickedWith = { code, reason }
  }

  frames(type?: string): Frame[] {
    return this.received.map((r) => r.frame).filter((f) => type === undefined || f.type === type)
  }
}

export class FakeGroup implements BroadcastGroup {
  readonly got: { text: string; exceptUser: string | undefined; info: FrameInfo }[] = []
  broadcast(text: string, exceptUser: string | undefined, info: FrameInfo): void {
    this.got.push({ text, exceptUser, info })
  }
  frames(type?: string): Frame[] {
    return this.got.map((g) => JSON.parse(g.text) as Frame).filter((f) => type === undefined || f.type === type)
  }
}

/** Room ownership kept beside any store, as a cluster store keeps it (claim, release, fence). */
export class Ownership {
  readonly owners = new Map<string, RoomOwnership>()
  /** The `fence` of every append, in order. */
  readonly fences: (number | undefined)[] = []
  /** The next `releaseRoom` calls reject. */
  failReleases = 0
  private held: Promise<void> | undefined

  /**
   * Appends made from now on wait until the returned function is called; their fence is
   * judged when they go on, as a store judges it when the write happens.
   */
  stallAppends(): () => void {
    let release!: () => void
    this.held = new Promise((resolve) => (release = resolve))
    return () => {
      this.held = undefined
      release()
    }
  }

  over(inner: Store): Store {
    const store: Store = Object.create(inner) as Store
    store.claimRoom = async (roomId: string, node: string): Promise<RoomClaim> => {
      const previous = this.owners.get(roomId) ?? { epoch: 0 }
      const epoch = previous.epoch + 1
      this.owners.set(roomId, { node, epoch })
      return { epoch, previous }
    }
    store.releaseRoom = async (roomId: string, node: string, epoch: number): Promise<boolean> => {
      if (this.failReleases > 0 && this.failReleases--) throw new Error('release failed')
      const now = this.owners.get(roomId)
      if (now?.node !== node || now.epoch !== epoch) return false
      this.owners.set(roomId, { epoch })
      return true
    }
    store.roomOwnership = async (roomId: string) => this.owners.get(roomId) ?? { epoch: 0 }
    store.append = async (
      roomId: string,
      expectedSeq: number,
      batch: StoredMessage[],
      fence?: number,
    ): Promise<void> => {
      this.fences.push(fence)
      await this.held
      if (fence !== undefined && fence !== (this.owners.get(roomId)?.epoch ?? 0))
        throw new FencedError(`${roomId} is at another epoch`)
      return inner.append(roomId, expectedSeq, batch)
    }
    return store
  }
}

export interface RigOptions {
  limits?: Partial<Limits>
  /** Shared by every rig of one test (one storage service, several nodes). */
  memory?: MemoryStore
  ownership?: Ownership
  node?: string
  roomId?: string
}

export class Rig {
  readonly clock = new ManualClock()
  readonly memory: MemoryStore
  readonly instrumented: InstrumentedStore
  readonly store: Store
  readonly limits: Limits
  readonly logs: { level: string; event: string; fields: Record<string, unknown> | undefined }[] = []
  readonly claims: RoomClaim[] = []
  evicted = false
  actor: RoomActor
  private ids = 0

  constructor(opts: RigOptions = {}) {
    this.memory = opts.memory ?? new MemoryStore()
    this.instrumented = new InstrumentedStore(this.memory)
    this.store = opts.ownership ? opts.ownership.over(this.instrumented.store) : this.instrumented.store
    this.limits = resolveLimits(opts.limits)
    const log = (level: string) => (event: string, fields?: Record<string, unknown>) =>
      void this.logs.push({ level, event, fields })
    const logger: Logger = { info: log('info'), warn: log('warn'), error: log('error') }
    const prefix = opts.node ?? 'm'
    this.actor = new RoomActor(opts.roomId ?? 'lobby', {
      store: this.store,
      clock: this.clock,
      limits: this.limits,
      logger,
      newId: () => `${prefix}${++this.ids}`,
      quota: new UserQuotas(this.limits, () => true),
      ...(opts.node === undefined ? {} : { node: opts.node }),
      claimed: (claim) => void this.claims.push(claim),
      onEvict: () => {
        this.evicted = true
      },
    })
  }

  get faults() {
    return this.instrumented.faults
  }

  /** Until the actor has nothing to do and every store call is done or held by a stall. */
  async settle(): Promise<void> {
    let quiet = 0
    for (let turns = 0; quiet < 3; turns++) {
      if (turns > 10_000) throw new Error('the actor did not settle')
      await new Promise<void>((resolve) => setImmediate(resolve))
      const { inflight, held } = this.instrumented
      quiet = inflight === held && (held > 0 || this.actor.mailbox.idle) ? quiet + 1 : 0
    }
  }

  send(conn: FakeConn, id: string, text = id): void {
    this.actor.frame(conn.id, { type: 'send', id, text })
  }
}

/** The seqs of the message frames a connection got, in order. */
export function messageSeqs(conn: FakeConn): number[] {
  return conn.frames('message').map((f) => f.message.seq as number)
}
