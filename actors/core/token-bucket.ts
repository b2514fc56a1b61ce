/** A token bucket on injected time: `burst` tokens, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number
  private updatedAt: number

  private readonly burst: number
  private readonly perSecond: number
  constructor(burst: number, perSecond: number, now: number) {
    this.burst = burst
    this.perSecond = perSecond
    this.tokens = burst
    this.updatedAt = now
  }

  /**
   * Takes `cost` tokens (1 by default); otherwise returns the milliseconds until they are
   * available. A cost above `burst` is charged as `burst` (a full bucket), so that nothing
   * the limits allow becomes impossible to send.
   */
  take(now: number, cost = 1): { ok: true } | { ok: false; retryAfterMs: number } {
    this.refill(now)
    const need = Math.min(cost, this.burst)
    if (this.tokens >= need) {
      this.tokens -= need
      return { ok: true }
    }
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(((need - this.tokens) / this.perSecond) * 1000)) }
  }

  /** Gives tokens back (a send that storage refused cost the user nothing). */
  refund(cost = 1): void {
    this.tokens = Math.min(this.burst, this.tokens + Math.min(cost, this.burst))
  }

  /** Full again: the bucket can be forgotten without changing behaviour. */
  isFull(now: number): boolean {
    this.refill(now)
    return this.tokens >= this.burst
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt)
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.perSecond)
    this.updatedAt = now
  }
}
