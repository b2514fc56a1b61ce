/**
 * Conversations and the user's room index on DynamoDB (docs/storage.md "Conversations and my
 * rooms"). A conversation is written in ONE TransactWriteItems where it fits (a pair: 6 items;
 * a group of up to 49 members: 99):
 *
 *   PAIR#<a>#<b> / PAIR        attribute_not_exists, pairs only      [one room per pair]
 *   ROOM#<r> / MEMBER#<u>      per member (access checks, as putRoomMember)
 *   USER#<u> / ROOM#<r>        per member (the user's room index)
 *   ROOM#<r> / META            attribute_not_exists, last            [an id never reused]
 *
 * A group of 50 is 101 items, past the transaction cap of 100: its member and index items go
 * first, in transactions that each also check META is absent, and META last. A crash between
 * them leaves member and index items of a room with no record: listings skip rooms without a
 * record, so nobody sees half a conversation.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb'
import type { ConversationAnswer, NewConversation, RoomRecord } from '../../../actors/store.ts'
import { conversationRecord } from '../../../actors/store-rules.ts'
import { requestToken } from './append.ts'
import type { Io } from './client.ts'
import { cancellationReasons } from './errors.ts'
import type { Item } from './items.ts'
import { memberSk, META_SK, PAIR_SK, pairPk, roomKey, userPk, userRoomSk } from './keys.ts'

/** DynamoDB's cap on the items of one transaction. */
const MAX_TRANSACTION_ITEMS = 100

export interface CoreContext {
  io: Io
  coreTable: string
}

/** The user's room index entry: the user's own partition, one item a room. */
export function userRoomItem(userId: string, roomId: string): Item {
  return { PK: userPk(userId), SK: userRoomSk(roomId), type: 'UserRoom', roomId }
}

/** The META item of a room record (conversations carry their kind and members). */
export function metaItem(record: RoomRecord): Item {
  const item: Item = {
    PK: roomKey(record.roomId).pk,
    SK: META_SK,
    visibility: record.visibility,
    roomId: record.roomId,
    type: 'Room',
  }
  if (record.kind) item.kind = record.kind
  if (record.members) item.members = record.members
  return item
}

/** A pair's item: its room, and the mark of the call that wrote it (absent on older items). */
export interface PairItem {
  roomId: string
  nonce?: string
}

export const isConditionFailure = (err: unknown): boolean =>
  (err instanceof Error && err.name === 'ConditionalCheckFailedException') ||
  (cancellationReasons(err)?.some((r) => r.Code === 'ConditionalCheckFailed') ?? false)

export async function createConversation(
  ctx: CoreContext,
  conversation: NewConversation,
  readPair: (pk: string) => Promise<PairItem | undefined>,
  readRoom: (roomId: string) => Promise<RoomRecord | undefined>,
): Promise<ConversationAnswer> {
  const record = conversationRecord(conversation.roomId, conversation.members)
  const { roomId } = record
  const members = record.members!
  const pair = members.length === 2 ? pairPk(members[0]!, members[1]!) : undefined
  // Asking again for a pair is the common case (a `dm` each time): one read answers it.
  const existing = pair && (await readPair(pair))
  if (existing) return { roomId: existing.roomId, created: false }
  // This call's mark on the pair item: two nodes may write the very same pair and room id at
  // once (the layer above derives a pair's room id from the pair), and only the mark tells
  // the creation that won from the one that found it made.
  const nonce = pair === undefined ? undefined : crypto.randomUUID()
  try {
    for (const TransactItems of transactions(ctx.coreTable, record, pair, nonce)) {
      // A deterministic token: a retry after a lost answer is the same request, a no-op.
      const input = { TransactItems, ClientRequestToken: await requestToken(TransactItems) }
      await ctx.io.send(() => new TransactWriteCommand(input as TransactWriteCommandInput))
    }
  } catch (err) {
    if (!isConditionFailure(err)) throw err
    // Decided by the conditions: another creation of the pair got there first, or (a retry
    // after a lost answer) this one did.
    const winner = pair && (await readPair(pair))
    if (winner) {
      const mine = winner.nonce === undefined ? winner.roomId === roomId : winner.nonce === nonce
      return { roomId: winner.roomId, created: mine }
    }
    const taken = await readRoom(roomId)
    if (taken?.kind === 'conversation' && taken.members?.join('\n') === members.join('\n')) {
      return { roomId, created: true }
    }
    throw new Error(`room ${roomId} already exists`)
  }
  return { roomId, created: true }
}

/** The transactions of one conversation, META last (see the file's header). */
function transactions(
  table: string,
  record: RoomRecord,
  pair: string | undefined,
  nonce: string | undefined,
): object[][] {
  const roomPk = roomKey(record.roomId).pk
  const put = (Item: Item) => ({ Put: { TableName: table, Item } })
  const absent = 'attribute_not_exists(PK)'
  const first = pair
    ? [
        {
          Put: {
            TableName: table,
            Item: { PK: pair, SK: PAIR_SK, type: 'Pair', roomId: record.roomId, nonce },
            ConditionExpression: absent,
          },
        },
      ]
    : []
  const items = record.members!.flatMap((userId) => [
    put({ PK: roomPk, SK: memberSk(userId), userId }),
    put(userRoomItem(userId, record.roomId)),
  ])
  const meta = { Put: { TableName: table, Item: metaItem(record), ConditionExpression: absent } }
  const metaAbsent = {
    ConditionCheck: { TableName: table, Key: { PK: roomPk, SK: META_SK }, ConditionExpression: absent },
  }
  const out: object[][] = []
  let rest = [...first, ...items]
  while (rest.length + 1 > MAX_TRANSACTION_ITEMS) {
    // An even count keeps a member's two items together; the check keeps a taken id untouched.
    const take = MAX_TRANSACTION_ITEMS - 2
    out.push([...rest.slice(0, take), metaAbsent])
    rest = rest.slice(take)
  }
  out.push([...rest, meta])
  return out
}
