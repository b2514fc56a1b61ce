/**
 * Conversations (docs/protocol.md "Conversations and my rooms"): what a request for one means,
 * decided without I/O. A conversation is a private general room whose members are the caller
 * and 1..49 others, fixed at creation. With exactly one other user it is the pair's one
 * conversation: its room id is derived from the pair, so that asking again (or a `dm`) finds
 * it with one read and charges nothing; the store's conditional write on the pair decides
 * when both ask at once. Groups get a new random id each time.
 */
import { compareCodePoints } from './member-index.ts'
import { codePointLength } from './protocol/frames.ts'
import type { RoomRecord } from './store.ts'

/** Members of a conversation, the caller included (docs/protocol.md: the caller and 1..49 others). */
export const maxConversationMembers = 50

/** A pair's room id: `dm_` and a digest of the pair; a group's: `grp_` and a fresh id. */
const pairPrefix = 'dm_'
const groupPrefix = 'grp_'

export type ConversationPlan =
  | {
      ok: true
      /** Every member, the caller included, deduplicated, in code point order. */
      members: string[]
      /** Exactly two members: the pair's one conversation. */
      pair: boolean
    }
  | { ok: false; message: string }

/** Checks and normalises the members asked for (the caller may be listed or not; duplicates are dropped). */
export function planConversation(caller: string, asked: readonly string[]): ConversationPlan {
  const others = new Set<string>()
  for (const userId of asked) {
    if (!isUserId(userId)) return { ok: false, message: 'members: a user id is 1..128 characters' }
    if (userId !== caller) others.add(userId)
  }
  if (others.size === 0) return { ok: false, message: 'members: name at least one user other than yourself' }
  if (others.size > maxConversationMembers - 1)
    return { ok: false, message: `members: at most ${maxConversationMembers - 1} users besides yourself` }
  const members = [caller, ...others].sort(compareCodePoints)
  return { ok: true, members, pair: members.length === 2 }
}

/** A user id is a token's `sub`: 1..128 characters (docs/protocol.md "Identity"). */
export function isUserId(userId: string): boolean {
  const n = codePointLength(userId)
  return n >= 1 && n <= 128
}

/**
 * The text a pair's room id is digested from: both ids in code point order, JSON-quoted so
 * that no pair of ids can spell another pair's text.
 */
export function pairKey(members: readonly string[]): string {
  return JSON.stringify([...members].sort(compareCodePoints))
}

/** A pair's room id from the digest of its `pairKey` (base64url, at most 60 characters kept). */
export function pairRoomId(digest: string): string {
  return pairPrefix + digest.slice(0, 60)
}

export function groupRoomId(freshId: string): string {
  return groupPrefix + freshId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 60)
}

/**
 * Is this room the pair's conversation? A room under the pair's id that is anything else
 * (a room someone created there on first use, or another pair's in a digest collision) is
 * not: the pair's conversation then lives under a random id, found through the store's pair
 * item (which is why creation is charged, and refunded when the pair already had one).
 */
export function isConversationOf(record: RoomRecord | undefined, members: readonly string[]): boolean {
  if (record?.kind !== 'conversation' || !record.members) return false
  return record.members.length === members.length && record.members.every((m, i) => m === members[i])
}
