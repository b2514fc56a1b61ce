/** Counts refused frames of one connection in a sliding window (PROTOCOL.md section 7). */
export class RefusalCounter {
  private readonly times: number[] = []

  constructor(private readonly max: number, private readonly windowMs: number) {}

  /** Records a refusal; `true` when the connection is now over the limit. */
  record(now: number): boolean {
    this.times.push(now)
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift()
    return this.times.length > this.max
  }
}
