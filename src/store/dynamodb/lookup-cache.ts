/**
 * A short-lived cache for membership and room lookups, which every join and connection asks.
 * A write through the store replaces the entry at once, and marks every lookup of that key
 * still in flight as stale so its (possibly older) answer is returned but not cached. So a
 * revoked member is never served from this node's cache after the revocation. Other nodes, and
 * operators writing items directly, are seen within `ttlMs`.
 */

interface Entry<V> {
  value: V
  expiresAt: number
}

interface InFlight {
  stale: boolean
}

export class LookupCache<V> {
  private readonly entries = new Map<string, Entry<V>>()
  private readonly inFlight = new Map<string, Set<InFlight>>()

  private readonly ttlMs: number
  private readonly now: () => number
  private readonly maxEntries: number
  constructor(ttlMs: number, now: () => number, maxEntries = 10_000) {
    this.ttlMs = ttlMs
    this.now = now
    this.maxEntries = maxEntries
  }

  async get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key)
    if (hit && hit.expiresAt > this.now()) return hit.value
    const mine: InFlight = { stale: false }
    const set = this.inFlight.get(key) ?? new Set()
    set.add(mine)
    this.inFlight.set(key, set)
    try {
      const value = await load()
      if (!mine.stale) this.remember(key, value)
      return value
    } finally {
      set.delete(mine)
      if (set.size === 0 && this.inFlight.get(key) === set) this.inFlight.delete(key)
    }
  }

  /** After a write through the store: the written value wins over any lookup in flight. */
  written(key: string, value: V): void {
    for (const pending of this.inFlight.get(key) ?? []) pending.stale = true
    this.entries.delete(key)
    this.remember(key, value)
  }

  /** Another writer changed the key: the next `get` loads it afresh. */
  forget(key: string): void {
    for (const pending of this.inFlight.get(key) ?? []) pending.stale = true
    this.entries.delete(key)
  }

  private remember(key: string, value: V): void {
    if (this.ttlMs <= 0) return
    // Bounded: the oldest entry goes first (a Map keeps insertion order).
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next()
      if (!oldest.done) this.entries.delete(oldest.value)
    }
    this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs })
  }
}
