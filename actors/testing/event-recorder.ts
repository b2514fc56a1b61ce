/**
 * An EventPublisher for the harness: records what rooms publish, and can fail, accept only
 * part of a call, or hold calls unanswered (a queue that hangs), so tests can prove what the
 * outbox does (docs/events.md "Events").
 */
import type { EventPublisher, MessageCreatedEvent } from '../events.ts'

export class EventRecorder implements EventPublisher {
  /** Every event the "queue" accepted, in the order accepted. */
  readonly accepted: MessageCreatedEvent[] = []
  /** Every call: the room and how many events it carried. */
  readonly calls: { roomId: string; events: number }[] = []
  private failing = 0
  private down = false
  private partial: number | undefined
  private holding = false
  private held: Array<() => void> = []

  /** The next `n` calls reject, accepting nothing. */
  failNext(n: number): void {
    this.failing += n
  }

  /** Every call rejects until `up()`. */
  goDown(): void {
    this.down = true
  }

  up(): void {
    this.down = false
  }

  /** The next call accepts only its first `n` events. */
  acceptOnly(n: number): void {
    this.partial = n
  }

  /** Calls from now on stay unanswered until `release()`. */
  hold(): void {
    this.holding = true
  }

  /** Answers the held calls (as the queue would have: accepted) and stops holding. */
  release(): void {
    this.holding = false
    const held = this.held
    this.held = []
    for (const run of held) run()
  }

  /** Calls waiting for `release()`. */
  get pending(): number {
    return this.held.length
  }

  /** Accepted events of one room, by seq. */
  seqs(roomId: string): number[] {
    return this.accepted.filter((e) => e.room === roomId).map((e) => e.seq)
  }

  publish(roomId: string, events: readonly MessageCreatedEvent[]): Promise<number> {
    this.calls.push({ roomId, events: events.length })
    const run = (): number => {
      if (this.down || this.failing > 0) {
        if (this.failing > 0) this.failing--
        throw new Error('queue unavailable')
      }
      const n = Math.min(this.partial ?? events.length, events.length)
      this.partial = undefined
      this.accepted.push(...events.slice(0, n))
      return n
    }
    if (!this.holding) return Promise.resolve().then(run)
    return new Promise((resolve, reject) =>
      this.held.push(() => {
        try {
          resolve(run())
        } catch (err) {
          reject(err)
        }
      }),
    )
  }
}
