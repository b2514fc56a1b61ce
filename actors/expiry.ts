/**
 * Token expiry for many sessions with few timers: sessions expiring at the same instant (a
 * JWT `exp` is whole seconds) share one clock timer, so an idle connection costs a set entry
 * rather than a timer of its own.
 */
import type { Clock } from './clock.ts'

export class ExpiryGroups<T> {
  private readonly groups = new Map<number, Set<T>>()

  private readonly clock: Clock
  private readonly expire: (item: T) => void
  constructor(clock: Clock, expire: (item: T) => void) {
    this.clock = clock
    this.expire = expire
  }

  add(at: number, item: T): void {
    let group = this.groups.get(at)
    if (!group) {
      const members = new Set<T>()
      group = members
      this.groups.set(at, members)
      this.clock.at(at, () => {
        this.groups.delete(at)
        for (const member of members) this.expire(member)
      })
    }
    group.add(item)
  }

  /** The timer stays; it finds the group without this item. */
  delete(at: number, item: T): void {
    this.groups.get(at)?.delete(item)
  }
}
