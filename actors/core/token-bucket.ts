/** A token bucket on injected time: `burst` tokens, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number
  private updatedAt: number

  constructor(private readonly burst: number, private readonly perSecond: number, now: number) {
    this.tokens = burst
    this.updatedAt = now
  }

  /** Takes a token; otherwise returns the milliseconds until one is available. */
  take(now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.refill(now)
    if (this.tokens >= 1) {
      this.tokens -= 1
      return { ok: true }
    }
    return { ok: false, retryAfterMs: Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)) }
  }

  /** Gives a token back (a send that storage refused cost the user nothing). */
  refund(): void {
    this.tokens = Math.min(this.burst, this.tokens + 1)
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
