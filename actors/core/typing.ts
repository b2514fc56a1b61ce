/**
 * Who is typing in a room, on injected time (PROTOCOL.md section 6): an `active:true` expires
 * after `timeoutMs` unless refreshed; at most one `active:true` broadcast per user per
 * `throttleMs`; `active:false` goes out at once.
 */
export interface TypingLimits {
  typingTimeoutMs: number
  typingThrottleMs: number
}

interface Entry {
  expiresAt: number
  lastBroadcastAt: number
}

export class TypingState {
  private readonly active = new Map<string, Entry>()
  /** When each user last had `active:true` broadcast, kept past expiry for the throttle. */
  private readonly lastBroadcast = new Map<string, number>()

  constructor(private readonly limits: TypingLimits) {}

  /** `true` when an `active:true` should be broadcast now. */
  start(userId: string, now: number): boolean {
    const last = this.lastBroadcast.get(userId)
    const broadcast = last === undefined || now - last >= this.limits.typingThrottleMs
    if (broadcast) this.lastBroadcast.set(userId, now)
    this.active.set(userId, { expiresAt: now + this.limits.typingTimeoutMs, lastBroadcastAt: now })
    return broadcast
  }

  /** `true` when the user was typing, so an `active:false` should be broadcast. */
  stop(userId: string): boolean {
    return this.active.delete(userId)
  }

  /** Users whose typing expired by `now`; they are no longer typing. */
  expire(now: number): string[] {
    const expired: string[] = []
    for (const [userId, entry] of this.active) {
      if (entry.expiresAt <= now) {
        expired.push(userId)
        this.active.delete(userId)
      }
    }
    // Throttle memory is only needed within the throttle interval.
    for (const [userId, at] of this.lastBroadcast) {
      if (now - at >= this.limits.typingThrottleMs && !this.active.has(userId)) this.lastBroadcast.delete(userId)
    }
    return expired
  }

  /** The earliest expiry, for the room's one timer. */
  nextDeadline(): number | undefined {
    let next: number | undefined
    for (const entry of this.active.values()) if (next === undefined || entry.expiresAt < next) next = entry.expiresAt
    return next
  }

  users(): string[] {
    return [...this.active.keys()]
  }
}
