/**
 * Who is typing in a room, on injected time (docs/protocol.md "Guarantees"): an `active:true` expires
 * after `timeoutMs` unless refreshed; at most one `active:true` broadcast per user per
 * `throttleMs`; `active:false` goes out at once. A start that the throttle holds back (typing
 * again right after a stop) is announced when the throttle allows, so that every observer,
 * and every `welcome`, agrees on who is typing.
 */
export interface TypingLimits {
  typingTimeoutMs: number
  typingThrottleMs: number
}

interface Entry {
  expiresAt: number
  /** Others have been told `active:true`. */
  announced: boolean
  /** When a held-back start may be announced. */
  announceAt: number
}

export class TypingState {
  private readonly active = new Map<string, Entry>()
  /** When each user last had `active:true` broadcast, kept past a stop for the throttle. */
  private readonly lastBroadcast = new Map<string, number>()

  private readonly limits: TypingLimits
  constructor(limits: TypingLimits) {
    this.limits = limits
  }

  /** `true` when an `active:true` should be broadcast now. */
  start(userId: string, now: number): boolean {
    const last = this.lastBroadcast.get(userId)
    const free = last === undefined || now - last >= this.limits.typingThrottleMs
    const expiresAt = now + this.limits.typingTimeoutMs
    const entry = this.active.get(userId)
    if (free) {
      this.lastBroadcast.set(userId, now)
      this.active.set(userId, { expiresAt, announced: true, announceAt: now })
      return true
    }
    if (entry) entry.expiresAt = expiresAt
    else this.active.set(userId, { expiresAt, announced: false, announceAt: last + this.limits.typingThrottleMs })
    return false
  }

  /** `true` when others were told the user is typing, so an `active:false` should go out. */
  stop(userId: string): boolean {
    const entry = this.active.get(userId)
    this.active.delete(userId)
    return entry?.announced === true
  }

  /** Typing that expired by `now` (announce `active:false`) and held-back starts now due. */
  expire(now: number): { stopped: string[]; started: string[] } {
    const stopped: string[] = []
    const started: string[] = []
    for (const [userId, entry] of this.active) {
      if (entry.expiresAt <= now) {
        this.active.delete(userId)
        if (entry.announced) stopped.push(userId)
      } else if (!entry.announced && entry.announceAt <= now) {
        entry.announced = true
        this.lastBroadcast.set(userId, now)
        started.push(userId)
      }
    }
    // Throttle memory is only needed within the throttle interval.
    for (const [userId, at] of this.lastBroadcast) {
      if (now - at >= this.limits.typingThrottleMs && !this.active.has(userId)) this.lastBroadcast.delete(userId)
    }
    return { stopped, started }
  }

  /** The earliest expiry or held-back start, for the room's one timer. */
  nextDeadline(): number | undefined {
    let next: number | undefined
    for (const e of this.active.values()) {
      const at = e.announced ? e.expiresAt : Math.min(e.expiresAt, e.announceAt)
      if (next === undefined || at < next) next = at
    }
    return next
  }

  /** Users others have been told are typing, but `except` (the one entering): one array, as every entry asks. */
  users(except?: string): string[] {
    const users: string[] = []
    for (const [userId, e] of this.active) if (e.announced && userId !== except) users.push(userId)
    return users
  }
}
