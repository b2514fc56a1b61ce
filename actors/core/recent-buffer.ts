/**
 * The newest messages of a room, by seq, so recovery and history are served from memory when
 * they can. Contiguous: it always holds seqs `first()..last()` with no gap.
 */
import type { StoredMessage } from '../store.ts'

export class RecentBuffer {
  private items: StoredMessage[] = []

  private readonly capacity: number
  constructor(capacity: number) {
    this.capacity = capacity
  }

  /** Appends messages that continue the sequence; trims the oldest past capacity. */
  push(messages: readonly StoredMessage[]): void {
    for (const m of messages) {
      const last = this.items[this.items.length - 1]
      if (last && m.seq !== last.seq + 1) this.items = [] // a gap: keep only what is contiguous
      this.items.push(m)
    }
    if (this.items.length > this.capacity) this.items.splice(0, this.items.length - this.capacity)
  }

  /** Lowest seq held, or undefined when empty. */
  first(): number | undefined {
    return this.items[0]?.seq
  }

  /** Every message with seq in (after, upTo], when the buffer holds all of them. */
  range(after: number, upTo: number): StoredMessage[] | undefined {
    if (upTo <= after) return []
    const first = this.first()
    if (first === undefined || first > after + 1) return undefined
    const start = after + 1 - first
    const end = upTo - first + 1
    if (end > this.items.length) return undefined
    return this.items.slice(start, end)
  }
}
