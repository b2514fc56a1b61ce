/** Counts refused frames of one connection in a sliding window (docs/protocol.md "Limits"). */
export class RefusalCounter {
  /** Allocated on the first refusal: most connections never have one. */
  private times: number[] | undefined

  private readonly max: number
  private readonly windowMs: number
  constructor(max: number, windowMs: number) {
    this.max = max
    this.windowMs = windowMs
  }

  /** Records a refusal; `true` when the connection is now over the limit. */
  record(now: number): boolean {
    this.times ??= []
    const times = this.times
    times.push(now)
    while (times.length > 0 && times[0]! <= now - this.windowMs) times.shift()
    return times.length > this.max
  }
}
