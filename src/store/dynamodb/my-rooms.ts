/**
 * The reads of one page of "my rooms" (docs/storage.md "Conversations and my rooms"): the
 * user's room index and guilds, each one Query a page; then room heads, records, read markers,
 * memberships and last messages, each by key with BatchGetItem (100 keys a request), so a page
 * costs a bounded number of requests whatever the number of rooms: no per-room Query.
 */
import type { IdPage, MemberQuery, RoomHead, RoomRecord, StoredMessage } from '../../../actors/store.ts'
import { batchGet, type ItemKey, itemKey } from './batch-get.ts'
import type { Io } from './client.ts'
import { toMessage, type Item } from './items.ts'
import {
  GUILD_PREFIX,
  HEAD_SK,
  INVERTED_INDEX,
  MSG_END,
  MSG_PREFIX,
  memberSk,
  META_SK,
  messageSk,
  readSk,
  roomKey,
  USER_ROOM_PREFIX,
  userPk,
} from './keys.ts'

export interface TablesContext {
  io: Io
  coreTable: string
  guildTable: string
}

/** Where a room's item with sort key `SK` lives. */
function keyOf(ctx: TablesContext, roomId: string, SK: string): ItemKey {
  const key = roomKey(roomId)
  return { table: key.table === 'core' ? ctx.coreTable : ctx.guildTable, PK: key.pk, SK }
}

/** The item with sort key `sk(roomId)` of each room, read in batches, by room. */
async function itemsOf(
  ctx: TablesContext,
  roomIds: readonly string[],
  sk: (roomId: string) => string,
): Promise<Map<string, Item>> {
  const keys = new Map(roomIds.map((roomId) => [roomId, keyOf(ctx, roomId, sk(roomId))]))
  const found = await batchGet(ctx.io, [...keys.values()])
  const byRoom = new Map<string, Item>()
  for (const [roomId, k] of keys) {
    const item = found.get(itemKey(k.table, k.PK, k.SK))
    if (item) byRoom.set(roomId, item)
  }
  return byRoom
}

const general = (roomIds: readonly string[]) => roomIds.filter((roomId) => roomKey(roomId).roomType === 'general')

export async function roomHeads(ctx: TablesContext, roomIds: readonly string[]): Promise<Map<string, RoomHead>> {
  const heads = new Map<string, RoomHead>()
  for (const [roomId, item] of await itemsOf(ctx, roomIds, () => HEAD_SK)) {
    const head: RoomHead = { seq: Number(item.seq), lastTs: Number(item.lastTs) }
    if (item.lastId !== undefined) head.lastId = String(item.lastId)
    heads.set(roomId, head)
  }
  return heads
}

export async function roomRecords(
  ctx: TablesContext,
  roomIds: readonly string[],
  toRecord: (item: Item) => RoomRecord,
): Promise<Map<string, RoomRecord>> {
  const records = new Map<string, RoomRecord>()
  for (const [roomId, item] of await itemsOf(ctx, general(roomIds), () => META_SK)) records.set(roomId, toRecord(item))
  return records
}

export async function readMarkersOf(
  ctx: TablesContext,
  userId: string,
  roomIds: readonly string[],
): Promise<Map<string, number>> {
  const markers = new Map<string, number>()
  for (const [roomId, item] of await itemsOf(ctx, roomIds, () => readSk(userId))) markers.set(roomId, Number(item.seq))
  return markers
}

export async function membershipsOf(
  ctx: TablesContext,
  userId: string,
  roomIds: readonly string[],
): Promise<Set<string>> {
  return new Set((await itemsOf(ctx, general(roomIds), () => memberSk(userId))).keys())
}

/**
 * Last messages by key from each head's `lastTs` and `lastId`. A head written before `lastId`
 * was kept (or a message TTL removed) falls back to one Query of the room's newest message:
 * at most one per room of the page, and only until the room's next append rewrites its head.
 */
export async function lastMessages(
  ctx: TablesContext,
  heads: ReadonlyMap<string, RoomHead>,
): Promise<Map<string, StoredMessage>> {
  const byKey = [...heads].filter(([, head]) => head.lastId !== undefined)
  const found = await itemsOf(
    ctx,
    byKey.map(([roomId]) => roomId),
    (roomId) => messageSk(heads.get(roomId)!.lastTs, heads.get(roomId)!.lastId!),
  )
  const last = new Map<string, StoredMessage>()
  for (const [roomId, item] of found) last.set(roomId, toMessage(item))
  const missing = [...heads.keys()].filter((roomId) => !last.has(roomId))
  await Promise.all(
    missing.map(async (roomId) => {
      const k = keyOf(ctx, roomId, HEAD_SK)
      const [item] = await ctx.io.query(
        {
          TableName: k.table,
          KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': k.PK, ':from': MSG_PREFIX, ':to': MSG_END },
          ScanIndexForward: false,
        },
        1,
      )
      if (item) last.set(roomId, toMessage(item))
    }),
  )
  return last
}

/**
 * One Query of a partition's keys with `prefix`, in key order, from just after `after`; one
 * item more than the page says whether another page follows. Ids come from the keys.
 */
async function idPage(
  io: Io,
  input: { table: string; pk: string; prefix: string; index?: string },
  query: MemberQuery,
): Promise<IdPage> {
  const { table, pk, prefix, index } = input
  // On the inverted index the partition is the item's SK and the ids come from its PK.
  const [hash, range] = index ? ['SK', 'PK'] : ['PK', 'SK']
  const items = await io.query(
    {
      TableName: table,
      ...(index && { IndexName: index }),
      KeyConditionExpression: `${hash} = :pk AND begins_with(${range}, :prefix)`,
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ...(query.after !== undefined && {
        ExclusiveStartKey: { [hash]: pk, [range]: `${prefix}${query.after}` },
      }),
    },
    query.limit + 1,
    index === undefined,
  )
  const ids = items.slice(0, query.limit).map((item) => String(item[range]).slice(prefix.length))
  return items.length > query.limit && ids.length > 0 ? { ids, next: ids.at(-1)! } : { ids }
}

export function listUserRooms(ctx: TablesContext, userId: string, query: MemberQuery): Promise<IdPage> {
  return idPage(ctx.io, { table: ctx.coreTable, pk: userPk(userId), prefix: USER_ROOM_PREFIX }, query)
}

/** From the guild table's `inverted` index: eventually consistent (a global index is). */
export function listUserGuilds(ctx: TablesContext, userId: string, query: MemberQuery): Promise<IdPage> {
  return idPage(
    ctx.io,
    { table: ctx.guildTable, pk: memberSk(userId), prefix: GUILD_PREFIX, index: INVERTED_INDEX },
    query,
  )
}
