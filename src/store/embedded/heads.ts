/**
 * The heads of the most recently used rooms (seq and ts of the last message), in memory, so
 * that an append to an active room checks its expected seq without a query. Only this store
 * writes the database, so an entry is exact: it is set when a group is applied, and a room not
 * in it is read once from the database. Bounded: past `capacity` rooms the least recently used
 * entry goes (a Map iterates in insertion order; a hit moves the room to the end).
 */
export interface Head {
  seq: number
  ts: number
}

export class HeadCache {
  readonly #heads = new Map<string, Head>()
  readonly #capacity: number

  constructor(capacity: number) {
    this.#capacity = Math.max(0, Math.floor(capacity))
  }

  get size(): number {
    return this.#heads.size
  }

  get(roomId: string): Head | undefined {
    const head = this.#heads.get(roomId)
    if (head) {
      this.#heads.delete(roomId)
      this.#heads.set(roomId, head)
    }
    return head
  }

  set(roomId: string, head: Head): void {
    if (this.#capacity === 0) return
    this.#heads.delete(roomId)
    this.#heads.set(roomId, head)
    if (this.#heads.size > this.#capacity) this.#heads.delete(this.#heads.keys().next().value!)
  }

  /** Forget everything (the database no longer matches what was applied). */
  clear(): void {
    this.#heads.clear()
  }
}
