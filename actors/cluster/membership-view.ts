/**
 * Which nodes are alive, as this node sees them. Decides from lease observations and this
 * node's own monotonic clock only: a peer is dead when its lease version has not moved for
 * `leaseMs` of OUR time between observations. No clock of another node is ever read, so a
 * node whose wall clock is off cannot make anyone look dead or alive. No I/O here.
 */
import type { NodeLease } from './ports.ts'

interface Seen {
  lease: NodeLease
  /** Our monotonic time when its version last moved (or when first seen). */
  movedAt: number
}

export interface ViewChange {
  joined: string[]
  left: string[]
}

export class MembershipView {
  private readonly seen = new Map<string, Seen>()
  /** Peers that announced they are leaving (drain): out until their lease item is gone. */
  private readonly leaving = new Set<string>()
  private live: string[]

  readonly self: string
  private readonly leaseMs: number
  constructor(self: string, leaseMs: number) {
    this.self = self
    this.leaseMs = leaseMs
    this.live = [self]
  }

  /** Live node ids, sorted (self included while it counts itself live). */
  ids(): readonly string[] {
    return this.live
  }

  has(id: string): boolean {
    return this.live.includes(id)
  }

  lease(id: string): NodeLease | undefined {
    return this.seen.get(id)?.lease
  }

  /**
   * A full listing of the lease table at our monotonic time `now`. A lease first seen counts
   * as alive (a node that just started renews at once); one whose version stays still for
   * `leaseMs` is dead. `selfLive`: whether our own lease is current (our last renewal
   * succeeded within `leaseMs`); when it is not, the others count us dead, and so do we.
   */
  observe(leases: readonly NodeLease[], now: number, selfLive: boolean): ViewChange {
    const listed = new Set<string>()
    for (const lease of leases) {
      listed.add(lease.id)
      const before = this.seen.get(lease.id)
      if (!before || before.lease.version !== lease.version) this.seen.set(lease.id, { lease, movedAt: now })
      else before.lease = lease
    }
    for (const id of [...this.seen.keys()]) if (!listed.has(id)) this.seen.delete(id)
    // A leaving node's item is removed by its drain; once it is gone, the id may join again.
    for (const id of [...this.leaving]) if (!listed.has(id)) this.leaving.delete(id)
    const next: string[] = []
    for (const [id, s] of this.seen) {
      if (id === this.self || this.leaving.has(id)) continue
      if (now - s.movedAt < this.leaseMs) next.push(id)
    }
    if (selfLive) next.push(this.self)
    return this.replace(next)
  }

  /** A peer said it is leaving (drain): out now, without waiting for its lease to expire. */
  markLeaving(id: string): ViewChange {
    if (id === this.self) return { joined: [], left: [] }
    this.leaving.add(id)
    return this.replace(this.live.filter((n) => n !== id))
  }

  /** This node stops counting itself (it drains, or its lease lapsed). */
  dropSelf(): ViewChange {
    return this.replace(this.live.filter((n) => n !== this.self))
  }

  private replace(next: string[]): ViewChange {
    next.sort()
    const before = new Set(this.live)
    const after = new Set(next)
    const change = { joined: next.filter((n) => !before.has(n)), left: this.live.filter((n) => !after.has(n)) }
    this.live = next
    return change
  }
}
