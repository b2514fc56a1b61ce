/**
 * The sends of one room that have no `ack` yet, in the order the app made them. Each keeps
 * its `id` for life: every (re)send uses it, so the server stores it once whatever happens to
 * the connection. Bounded: past `capacity` a new send is refused. Pure: no I/O, no timers.
 */

export interface PendingSend {
  id: string
  text: string
  /** `waiting`: to be (re)sent when the room can take it; `sent`: on the wire, no answer yet. */
  state: 'waiting' | 'sent'
  /** Refusals that asked for a retry (`unavailable`, ...), for the retry's backoff. */
  retries: number
}

export class Outbox {
  readonly #entries = new Map<string, PendingSend>()
  readonly capacity: number

  constructor(capacity: number) {
    this.capacity = capacity
  }

  get size(): number {
    return this.#entries.size
  }

  get full(): boolean {
    return this.#entries.size >= this.capacity
  }

  has(id: string): boolean {
    return this.#entries.has(id)
  }

  /** Adds a send, waiting. The caller checks `full` first. */
  add(id: string, text: string): PendingSend {
    const entry: PendingSend = { id, text, state: 'waiting', retries: 0 }
    this.#entries.set(id, entry)
    return entry
  }

  /** The answer for `id` came (its ack, or a final refusal): forgets it and returns it. */
  settle(id: string): PendingSend | undefined {
    const entry = this.#entries.get(id)
    if (entry) this.#entries.delete(id)
    return entry
  }

  /** The server asked for `id` again later: it waits again, with one more retry counted. */
  retry(id: string): PendingSend | undefined {
    const entry = this.#entries.get(id)
    if (!entry) return undefined
    entry.state = 'waiting'
    entry.retries++
    return entry
  }

  /** The connection dropped: whatever was on the wire may or may not have arrived. */
  unsend(): void {
    for (const entry of this.#entries.values()) entry.state = 'waiting'
  }

  /** The waiting sends, oldest first, now marked sent: the caller puts them on the wire. */
  takeWaiting(): PendingSend[] {
    const out: PendingSend[] = []
    for (const entry of this.#entries.values()) {
      if (entry.state !== 'waiting') continue
      entry.state = 'sent'
      out.push(entry)
    }
    return out
  }

  /** Every send still unanswered, oldest first, and forgets them all (the room is gone). */
  drain(): PendingSend[] {
    const out = [...this.#entries.values()]
    this.#entries.clear()
    return out
  }
}
