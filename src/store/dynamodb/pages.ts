/**
 * History by seq. Messages sort by ts and ts order is seq order, so a seq bound becomes a
 * sort-key bound once the seq's ts is known: the batch seq index (`SEQ#<first>`, items.ts)
 * gives it in one small consistent Query. Then one Query on `MSG#` reads `limit + 1` messages
 * in the asked direction; the extra one only says `more` (docs/protocol.md "HTTP endpoints").
 */
import { GetCommand, type GetCommandOutput } from '@aws-sdk/lib-dynamodb'
import type { Page, PageQuery, StoredMessage } from '../../../actors/store.ts'
import type { Io } from './client.ts'
import { toMessage } from './items.ts'
import type { SeqIndexCache } from './seq-index-cache.ts'
import { HEAD_SK, MSG_END, MSG_PREFIX, SEQ_PREFIX, seqIndexSk, tsFloor, type RoomKey } from './keys.ts'

export interface PageContext {
  io: Io
  table: string
  key: RoomKey
  seqIndex: SeqIndexCache
}

/** Where seq `n` is: its ts, past the head, or unknown (its index item expired by TTL). */
type SeqPlace = { ts: number } | 'beyond' | 'unknown'

export async function seqPlace(ctx: PageContext, n: number): Promise<SeqPlace> {
  const room = `${ctx.table}\n${ctx.key.pk}`
  const cached = ctx.seqIndex.tsOf(room, n)
  if (cached !== undefined) return { ts: cached }
  const [index] = await ctx.io.query(
    {
      TableName: ctx.table,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': ctx.key.pk, ':from': SEQ_PREFIX, ':to': seqIndexSk(n) },
      ScanIndexForward: false,
    },
    1,
  )
  if (index) ctx.seqIndex.add(room, Number(index.first), (index.tss as unknown[]).map(Number))
  const ts = index ? (index.tss as number[])[n - Number(index.first)] : undefined
  if (ts !== undefined) return { ts: Number(ts) }
  // Usually n is past the head; but TTL may have removed the index item that held n.
  const { Item: head } = await ctx.io.send<GetCommandOutput>(
    () => new GetCommand({ TableName: ctx.table, Key: { PK: ctx.key.pk, SK: HEAD_SK }, ConsistentRead: true }),
  )
  return n > Number(head?.seq ?? 0) ? 'beyond' : 'unknown'
}

export async function readPage(ctx: PageContext, query: PageQuery): Promise<Page> {
  const { before, after, limit } = query
  if (before !== undefined && after !== undefined) throw new RangeError('before and after are exclusive')
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`)
  if (after !== undefined) {
    if (after < 1) return page(ctx, MSG_PREFIX, MSG_END, true, limit)
    const place = await seqPlace(ctx, after)
    if (place === 'beyond') return { messages: [], more: false }
    if (place === 'unknown') return filtered(ctx, '>', after, limit)
    return page(ctx, tsFloor(place.ts + 1), MSG_END, true, limit)
  }
  if (before !== undefined) {
    if (before <= 1) return { messages: [], more: false }
    const place = await seqPlace(ctx, before)
    if (place === 'unknown') return filtered(ctx, '<', before, limit)
    return page(ctx, MSG_PREFIX, place === 'beyond' ? MSG_END : tsFloor(place.ts), false, limit)
  }
  return page(ctx, MSG_PREFIX, MSG_END, false, limit)
}

async function page(ctx: PageContext, from: string, to: string, forward: boolean, limit: number): Promise<Page> {
  const items = await ctx.io.query(
    {
      TableName: ctx.table,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': ctx.key.pk, ':from': from, ':to': to },
      ScanIndexForward: forward,
    },
    limit + 1,
  )
  return finish(items.map(toMessage), forward, limit)
}

/**
 * Without the seq index (expired before its messages; TTL deletes in no particular order),
 * filter on `seq`. Slower but correct, and what TTL left behind is little.
 */
async function filtered(ctx: PageContext, op: '<' | '>', n: number, limit: number): Promise<Page> {
  const forward = op === '>'
  const items = await ctx.io.query(
    {
      TableName: ctx.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :msg)',
      FilterExpression: `#seq ${op} :n`,
      ExpressionAttributeNames: { '#seq': 'seq' },
      ExpressionAttributeValues: { ':pk': ctx.key.pk, ':msg': MSG_PREFIX, ':n': n },
      ScanIndexForward: forward,
    },
    limit + 1,
  )
  return finish(items.map(toMessage), forward, limit)
}

/** `items` come nearest-first in the asked direction; the page is oldest first. */
function finish(messages: StoredMessage[], forward: boolean, limit: number): Page {
  const more = messages.length > limit
  const taken = messages.slice(0, limit)
  return { messages: forward ? taken : taken.reverse(), more }
}
