/**
 * Opening a conversation (`POST /conversations`, the `dm` frame): the decisions of
 * actors/conversations.ts carried out against the store. Only a conversation actually made
 * counts against `conversationsPerMinute`: a pair that already has its room is found with one
 * read under the pair's id and charges nothing; found only by the store's pair item (its room
 * lives elsewhere, see `isConversationOf`), the charge is given back.
 */
import { groupRoomId, isConversationOf, pairKey, pairRoomId, planConversation } from './conversations.ts'
import type { Store } from './store.ts'

export interface ConversationQuota {
  takeConversation(userId: string, now: number): { ok: true } | { ok: false; retryAfterMs: number }
  refundConversation(userId: string): void
}

export interface OpenConversationDeps {
  store: Store
  quota: ConversationQuota
  now(): number
  /** A fresh id (a group's room id is made from it). */
  newId(): string
  /** base64url digest of a text (a pair's room id is made from it). */
  digest(text: string): Promise<string>
}

export type OpenConversationResult =
  | { ok: true; roomId: string; members: string[]; created: boolean }
  | { ok: false; code: 'invalid_request'; message: string }
  | { ok: false; code: 'rate_limited'; message: string; retryAfterMs: number }
  | { ok: false; code: 'unavailable'; message: string; cause: unknown }

export async function openConversation(
  deps: OpenConversationDeps,
  caller: string,
  asked: readonly string[],
): Promise<OpenConversationResult> {
  const plan = planConversation(caller, asked)
  if (!plan.ok) return { ok: false, code: 'invalid_request', message: plan.message }
  const { members } = plan
  try {
    let roomId: string
    if (plan.pair) {
      roomId = pairRoomId(await deps.digest(pairKey(members)))
      let record = await deps.store.getRoom(roomId)
      if (record === undefined) {
        // A store that caches lookups (DynamoDB) may remember "no such room" from before the
        // pair's conversation was made: one fresh read before charging for a new one.
        deps.store.forgetAccess?.(roomId)
        record = await deps.store.getRoom(roomId)
      }
      if (isConversationOf(record, members)) return { ok: true, roomId, members, created: false }
      // Taken by something else: the pair's room gets (or already has) a random id.
      if (record) roomId = groupRoomId(deps.newId())
    } else roomId = groupRoomId(deps.newId())
    const taken = deps.quota.takeConversation(caller, deps.now())
    if (!taken.ok) {
      const message = 'too many new conversations; retry later'
      return { ok: false, code: 'rate_limited', message, retryAfterMs: taken.retryAfterMs }
    }
    try {
      const answer = await deps.store.createConversation({ roomId, members })
      if (!answer.created) deps.quota.refundConversation(caller)
      // What this node's store cached about the room (nothing there, moments ago) is stale now.
      deps.store.forgetAccess?.(answer.roomId, caller)
      return { ok: true, roomId: answer.roomId, members, created: answer.created }
    } catch (err) {
      deps.quota.refundConversation(caller)
      throw err
    }
  } catch (err) {
    return { ok: false, code: 'unavailable', message: 'storage could not answer; retry', cause: err }
  }
}
