/**
 * Seq index items (`SEQ#<first>`: the ts of each seq of one batch) never change once written,
 * so this node keeps the ones it wrote or read: a page then needs one Query, not two.
 * Bounded per room and in rooms; a miss only costs the read it saves. TTL deleting an item
 * does not make a cached one wrong: the messages it points at are gone too, and a page reads
 * what is there.
 */

interface Batch {
  first: number
  tss: number[]
}

export class SeqIndexCache {
  /** Per room, batches sorted by `first`. Map order = least recently used first. */
  private readonly rooms = new Map<string, Batch[]>()

  private readonly maxRooms: number
  private readonly maxBatchesPerRoom: number
  constructor(maxRooms = 1_000, maxBatchesPerRoom = 2_000) {
    this.maxRooms = maxRooms
    this.maxBatchesPerRoom = maxBatchesPerRoom
  }

  /** The ts of seq `n`, if a cached batch holds it. */
  tsOf(room: string, n: number): number | undefined {
    const batches = this.rooms.get(room)
    if (!batches) return undefined
    this.rooms.delete(room)
    this.rooms.set(room, batches)
    const i = lastAtOrBelow(batches, n)
    return i < 0 ? undefined : batches[i]!.tss[n - batches[i]!.first]
  }

  add(room: string, first: number, tss: number[]): void {
    const batches = this.rooms.get(room) ?? []
    const i = lastAtOrBelow(batches, first)
    if (batches[i]?.first === first) return
    batches.splice(i + 1, 0, { first, tss })
    // Old history is asked for least: drop the oldest batches first.
    if (batches.length > this.maxBatchesPerRoom) batches.shift()
    this.rooms.delete(room)
    this.rooms.set(room, batches)
    if (this.rooms.size > this.maxRooms) this.rooms.delete(this.rooms.keys().next().value!)
  }
}

/** Index of the last batch with `first <= n`, or -1. */
function lastAtOrBelow(batches: Batch[], n: number): number {
  let lo = 0
  let hi = batches.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (batches[mid]!.first <= n) {
      found = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}
