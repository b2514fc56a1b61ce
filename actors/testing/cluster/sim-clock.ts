/**
 * Virtual time for the whole simulated cluster: one clock, timers kept in a heap, fired one at
 * a time (earliest first, ties in the order they were set) so that the simulator can let
 * every promise the timer started run to its end before the next timer fires. Each node sees
 * it through a `NodeClock` (its own wall-clock skew; its timers held while it is paused).
 */
import type { Clock } from '../../clock.ts'

interface Timer {
  at: number
  order: number
  fn: () => void
  cancelled: boolean
}

export class SimClock implements Clock {
  private readonly heap: Timer[] = []
  private order = 0

  private time: number
  constructor(time: number) {
    this.time = time
  }

  now(): number {
    return this.time
  }

  at(at: number, fn: () => void): () => void {
    const timer: Timer = { at: Math.max(at, this.time), order: this.order++, fn, cancelled: false }
    this.push(timer)
    return () => {
      timer.cancelled = true
    }
  }

  /** When the next live timer is due, if any. */
  nextDue(): number | undefined {
    this.dropCancelled()
    return this.heap[0]?.at
  }

  /** Fires the next timer if it is due by `until`; false when none is. */
  step(until: number): boolean {
    this.dropCancelled()
    const next = this.heap[0]
    if (!next || next.at > until) return false
    this.pop()
    this.time = Math.max(this.time, next.at)
    next.fn()
    return true
  }

  /** Moves time to `time` (never backwards) without firing anything. */
  set(time: number): void {
    this.time = Math.max(this.time, time)
  }

  private dropCancelled(): void {
    while (this.heap[0]?.cancelled) this.pop()
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.order < b.order)
  }

  private push(t: Timer): void {
    const h = this.heap
    h.push(t)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(h[i]!, h[p]!)) break
      ;[h[i], h[p]] = [h[p]!, h[i]!]
      i = p
    }
  }

  private pop(): void {
    const h = this.heap
    const last = h.pop()!
    if (h.length === 0) return
    h[0] = last
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r
      if (m === i) return
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
  }
}

/**
 * What a node's process is: running, paused (SIGSTOP: nothing of it runs; what reaches it
 * waits) or crashed (kill -9: nothing of it ever runs again). Every way into a node's code
 * (its timers, store answers, link messages, client frames) goes through `run`.
 */
export class NodeGate {
  private paused = false
  private dead = false
  private held: Array<() => void> = []

  private readonly clock: SimClock
  constructor(clock: SimClock) {
    this.clock = clock
  }

  get isPaused(): boolean {
    return this.paused
  }

  get isCrashed(): boolean {
    return this.dead
  }

  /** Runs `fn` in the node now, later (paused, or what waited is not all delivered yet), or never (crashed). */
  run(fn: () => void): void {
    if (this.dead) return
    if (this.paused || this.held.length > 0) this.held.push(fn)
    else fn()
  }

  /** Wraps a callback so that each call goes through the gate. */
  wrap<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    return (...args: A) => this.run(() => fn(...args))
  }

  pause(): void {
    this.paused = true
  }

  /**
   * What waited runs in its order, each as its own event; what arrives meanwhile queues
   * behind it (a socket's bytes are read in the order they came).
   */
  resume(): void {
    if (!this.paused || this.dead) return
    this.paused = false
    this.releaseNext()
  }

  private releaseNext(): void {
    if (this.held.length === 0) return
    this.clock.at(this.clock.now(), () => {
      if (this.paused || this.dead) return
      const fn = this.held.shift()!
      fn()
      this.releaseNext()
    })
  }

  crash(): void {
    this.dead = true
    this.held = []
  }
}

/**
 * A node's view of time: its wall clock is off by `skew` ms (leases must not care), and its
 * timers fire only while it runs. Its monotonic clock is the simulation's time (a paused
 * process's monotonic clock keeps going, as performance.now does across SIGSTOP).
 */
export class NodeClock implements Clock {
  private readonly clock: SimClock
  private readonly gate: NodeGate
  private readonly skew: number
  constructor(clock: SimClock, gate: NodeGate, skew: number) {
    this.clock = clock
    this.gate = gate
    this.skew = skew
  }

  now(): number {
    return this.clock.now() + this.skew
  }

  at(at: number, fn: () => void): () => void {
    return this.clock.at(at - this.skew, () => this.gate.run(fn))
  }

  monotonic = (): number => this.clock.now() - 1_700_000_000_000
}
