/**
 * Who is in a room, by user (docs/protocol.md "Guarantees": presence counts users, not sockets), with
 * flapping coalesced on injected time: a user whose last connection leaves stays present for
 * `graceMs`, and is announced offline only when that ends. Back within it, nothing is
 * announced at all, so join/leave churn cannot turn into a presence storm for the listeners.
 */
export class Presence {
  private readonly conns = new Map<string, Set<number>>()
  /** Users in their grace period, with its end. Deadlines grow with insertion (`now + graceMs`
   * on a clock that does not go back), so the first entry is always the earliest. */
  private readonly away = new Map<string, number>()

  private readonly graceMs: number
  constructor(graceMs: number) {
    this.graceMs = graceMs
  }

  /** A connection of `userId` enters; `true` when the user's arrival is news to the room. */
  add(userId: string, conn: number): boolean {
    const set = this.conns.get(userId)
    if (set) {
      set.add(conn)
      return false
    }
    this.conns.set(userId, new Set([conn]))
    return !this.away.delete(userId)
  }

  /**
   * A connection leaves. `stays`: the user has other connections; `away`: it was the last
   * one and the user is in grace; `offline`: announce the user offline now (no grace, or
   * `immediate`, as for a revoked member).
   */
  remove(userId: string, conn: number, now: number, immediate: boolean): 'stays' | 'away' | 'offline' {
    const set = this.conns.get(userId)
    if (!set?.delete(conn)) return 'stays'
    if (set.size > 0) return 'stays'
    this.conns.delete(userId)
    if (immediate || this.graceMs <= 0) return 'offline'
    this.away.set(userId, now + this.graceMs)
    return 'away'
  }

  /** Ends a grace period now; `true` when the user was in one (announce offline). */
  endGrace(userId: string): boolean {
    return this.away.delete(userId)
  }

  /** Users whose grace ended by `now`: announce them offline. */
  expire(now: number): string[] {
    const gone: string[] = []
    for (const [userId, at] of this.away) {
      if (at > now) break
      this.away.delete(userId)
      gone.push(userId)
    }
    return gone
  }

  nextDeadline(): number | undefined {
    for (const at of this.away.values()) return at
    return undefined
  }

  /** Everyone present: connected users, and users in grace (they were never announced gone). */
  users(): string[] {
    return [...this.conns.keys(), ...this.away.keys()]
  }

  connectionsOf(userId: string): number[] {
    return [...(this.conns.get(userId) ?? [])]
  }

  hasConnections(userId: string): boolean {
    return this.conns.has(userId)
  }

  /** Users with at least one connection. */
  connectedCount(): number {
    return this.conns.size
  }
}
