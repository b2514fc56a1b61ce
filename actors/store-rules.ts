/**
 * The Store port's rules over a room held as a dense array (`messages[i].seq === i + 1`),
 * shared by the stores that keep rooms in memory (MemoryStore, the embedded store) so that
 * they cannot drift apart. test/contract/store.ts checks every store against the same rules.
 */
import {
  DuplicateMessageError,
  FencedError,
  SeqConflictError,
  type LoadOptions,
  type Page,
  type PageQuery,
  type RoomClaim,
  type RoomOwnership,
  type RoomRecord,
  type RoomSnapshot,
  type StoredMessage,
} from './store.ts'
import { compareCodePoints } from './member-index.ts'
import { guildRoomId } from './protocol/rooms.ts'

/**
 * The idempotency key of a message within its room. Length-prefixed, so no pair of free-form
 * strings can spell another pair's key (a separator alone cannot: sender `a` with id `b<sep>c`
 * and sender `a<sep>b` with id `c` would meet).
 */
export const clientKey = (senderId: string, clientId: string): string => `${senderId.length}:${senderId}:${clientId}`

const copy = (m: StoredMessage): StoredMessage => ({ ...m })

/**
 * The checks before a batch is taken: the head is `expectedSeq`, the batch continues it with
 * no gap, and no idempotency key is already stored or repeated within the batch.
 */
export function checkAppend(
  roomId: string,
  head: number,
  expectedSeq: number,
  batch: readonly StoredMessage[],
  isStored: (key: string) => boolean,
): void {
  if (head !== expectedSeq) throw new SeqConflictError(`room ${roomId}: head is ${head}, expected ${expectedSeq}`)
  const seen = new Set<string>()
  batch.forEach((m, i) => {
    if (m.seq !== expectedSeq + 1 + i || m.roomId !== roomId) {
      throw new RangeError(`room ${roomId}: batch message ${i} has seq ${m.seq} in room ${m.roomId}`)
    }
    const k = clientKey(m.senderId, m.clientId)
    if (seen.has(k) || isStored(k)) throw new DuplicateMessageError(m.senderId, m.clientId)
    seen.add(k)
  })
}

/** `loadRoom` over a dense array: ts only grows, so the idempotency window is a suffix. */
export function snapshotOf(messages: readonly StoredMessage[], opts: LoadOptions): RoomSnapshot {
  const last = messages.at(-1)
  let from = messages.length
  while (from > 0 && messages[from - 1]!.ts >= opts.idempotencySince) from--
  return {
    seq: last?.seq ?? 0,
    lastTs: last?.ts ?? 0,
    recent: opts.recentLimit > 0 ? messages.slice(-opts.recentLimit).map(copy) : [],
    idempotent: messages.slice(from).map(copy),
  }
}

/**
 * Which seqs a page of docs/protocol.md "HTTP endpoints" holds, for a room whose messages are
 * 1..head: `lo..hi` (empty when hi < lo), and whether more lie beyond it in the page's direction.
 */
export function pageBounds(head: number, query: PageQuery): { lo: number; hi: number; more: boolean } {
  if (query.before !== undefined && query.after !== undefined) {
    throw new RangeError('a page is before or after a seq, not both')
  }
  const limit = Math.max(0, Math.floor(query.limit))
  if (query.after !== undefined) {
    const lo = Math.max(query.after, 0) + 1
    const hi = Math.min(head, lo + limit - 1)
    return { lo, hi, more: Math.max(hi, lo - 1) < head }
  }
  const hi = Math.min(head, (query.before ?? head + 1) - 1)
  const lo = Math.max(1, hi - limit + 1)
  return { lo, hi, more: Math.min(lo, hi + 1) > 1 }
}

/** The paging of docs/protocol.md "HTTP endpoints" over a dense array: a page is one slice. */
export function pageOf(messages: readonly StoredMessage[], query: PageQuery): Page {
  const { lo, hi, more } = pageBounds(messages.length, query)
  return { messages: hi >= lo ? messages.slice(lo - 1, hi).map(copy) : [], more }
}

/**
 * A room's ownership as a store keeps it: the epoch only grows; `node` is cleared by a
 * release, which remembers who released (`releasedBy`) so a re-sent release is still `true`.
 */
export interface OwnerRecord {
  node?: string
  epoch: number
  releasedBy?: string
}

/** `claimRoom`: the epoch one up, `node` the owner, whoever held it before. */
export function claimOf(current: OwnerRecord | undefined, node: string): { next: OwnerRecord; claim: RoomClaim } {
  const previous = ownershipOf(current)
  return { next: { node, epoch: previous.epoch + 1 }, claim: { epoch: previous.epoch + 1, previous } }
}

/**
 * `releaseRoom`: clears the owner when it is `node` at `epoch`. Releasing again what `node`
 * already released at `epoch` is also `true` (a retry whose first answer was lost); anything
 * else (another claim since, another node) changes nothing and is `false`.
 */
export function releaseOf(
  current: OwnerRecord | undefined,
  node: string,
  epoch: number,
): { next?: OwnerRecord; released: boolean } {
  if (!current || current.epoch !== epoch) return { released: false }
  if (current.node === node) return { next: { epoch, releasedBy: node }, released: true }
  return { released: current.node === undefined && current.releasedBy === node }
}

export function ownershipOf(current: OwnerRecord | undefined): RoomOwnership {
  return current?.node === undefined ? { epoch: current?.epoch ?? 0 } : { node: current.node, epoch: current.epoch }
}

/**
 * An append with `fence` goes in only while the room's epoch is still `fence` (a room never
 * claimed has no epoch to match: every fence fails, as a DynamoDB condition on a missing item).
 */
export function checkFence(roomId: string, current: OwnerRecord | undefined, fence: number | undefined): void {
  if (fence === undefined) return
  if (current?.epoch !== fence) throw new FencedError(`room ${roomId}: epoch is ${current?.epoch ?? 0}, not ${fence}`)
}

/** Whether a room id names a general room: only those are in a user's room index (guild rooms
 * are found from guild memberships). The stores may assume ids were validated above. */
export const isGeneralRoom = (roomId: string): boolean => !roomId.startsWith(guildRoomId(''))

/** The record a conversation's room gets: private, its kind, its members in code point order. */
export function conversationRecord(roomId: string, members: readonly string[]): RoomRecord {
  return {
    roomId,
    visibility: 'private',
    kind: 'conversation',
    members: [...new Set(members)].sort(compareCodePoints),
  }
}
