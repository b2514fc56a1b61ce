/** A clock that moves only when told to: virtual time for tests (see actors/testing.ts). */
import type { Clock } from '../clock.ts'

interface Timer {
  at: number
  order: number
  fn: () => void
}

export class ManualClock implements Clock {
  private timers: Timer[] = []
  private order = 0

  private time: number
  constructor(time = 1_700_000_000_000) {
    this.time = time
  }

  now(): number {
    return this.time
  }

  at(at: number, fn: () => void): () => void {
    const timer: Timer = { at, order: this.order++, fn }
    this.timers.push(timer)
    return () => {
      this.timers = this.timers.filter((t) => t !== timer)
    }
  }

  /** When the next timer is due, if any. */
  nextDue(): number | undefined {
    let next: number | undefined
    for (const t of this.timers) if (next === undefined || t.at < next) next = t.at
    return next
  }

  /** Sets the time (never backwards) and fires every timer due by then, earliest first. */
  set(time: number): void {
    this.time = Math.max(this.time, time)
    for (;;) {
      const due = this.timers.filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at || a.order - b.order)[0]
      if (!due) return
      this.timers = this.timers.filter((t) => t !== due)
      due.fn()
    }
  }
}
