/**
 * Members of rooms or guilds held in memory, listable in pages: shared by the stores that keep
 * everything in memory (MemoryStore, the embedded store) so that they page exactly like the
 * DynamoDB store. Members are listed in code point order of their user ids, which is the
 * order DynamoDB sorts `MEMBER#<userId>` keys in (UTF-8 bytes), not JavaScript's UTF-16 order.
 */
import type { MemberPage, MemberQuery } from './store.ts'

interface Group {
  members: Set<string>
  /** Sorted copy for paging, dropped on every change: a guild is paged far more often than changed. */
  sorted?: string[]
}

export class MemberIndex {
  readonly #groups = new Map<string, Group>()
  #size = 0

  has(group: string, userId: string): boolean {
    return this.#groups.get(group)?.members.has(userId) ?? false
  }

  /** Adds (`member`) or removes; `true` when that changed anything. */
  set(group: string, userId: string, member: boolean): boolean {
    let g = this.#groups.get(group)
    if (member === (g?.members.has(userId) ?? false)) return false
    if (!g) {
      g = { members: new Set() }
      this.#groups.set(group, g)
    }
    if (member) g.members.add(userId)
    else g.members.delete(userId)
    if (g.members.size === 0) this.#groups.delete(group)
    g.sorted = undefined
    this.#size += member ? 1 : -1
    return true
  }

  /** Members after `query.after` (exclusive), at most `query.limit`; a cursor when more remain. */
  page(group: string, query: MemberQuery): MemberPage {
    const g = this.#groups.get(group)
    if (!g) return { members: [] }
    g.sorted ??= [...g.members].sort(compareCodePoints)
    const sorted = g.sorted
    let from = 0
    if (query.after !== undefined) {
      // First index whose id sorts after the cursor (binary search).
      let hi = sorted.length
      while (from < hi) {
        const mid = (from + hi) >>> 1
        if (compareCodePoints(sorted[mid]!, query.after) <= 0) from = mid + 1
        else hi = mid
      }
    }
    const members = sorted.slice(from, from + Math.max(0, query.limit))
    return from + members.length < sorted.length && members.length > 0
      ? { members, next: members.at(-1)! }
      : { members }
  }

  get size(): number {
    return this.#size
  }

  /** Every (group, member) pair, for compaction. */
  *entries(): Generator<[string, string]> {
    for (const [group, g] of this.#groups) for (const userId of g.members) yield [group, userId]
  }
}

/**
 * Code point order (= UTF-8 byte order). UTF-16 order differs only between a surrogate
 * (U+D800..DFFF, the halves of astral characters) and U+E000..FFFF: move surrogates above.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    }
    return x - y
  }
  return a.length - b.length
}
