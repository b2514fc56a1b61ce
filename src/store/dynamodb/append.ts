/**
 * Group commit: a batch of messages in ONE TransactWriteItems, all or nothing.
 *
 *   HEAD          seq = expectedSeq (or absent for 0)  -> seq, lastTs, lastId  [no seq twice]
 *   MSG#<ts>#<id> attribute_not_exists, per message                          [no message twice]
 *   IDEM#<s>#<c>  attribute_not_exists, per message                          [no resend twice]
 *   SEQ#<first>   attribute_not_exists, per batch (seq index, items.ts)
 *   OWNER         ConditionCheck epoch = fence, only with a fence            [no stale owner]
 *
 * A deterministic ClientRequestToken makes a re-sent identical transaction a no-op within
 * DynamoDB's 10 minutes; past that, or if the token is not honoured, a lost response shows up
 * as a failed head (or owner) condition on retry, and `confirmCommitted` reads back whether the
 * batch is the one stored: then the append succeeded.
 */
import {
  GetCommand,
  TransactWriteCommand,
  type GetCommandOutput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb'
import { DuplicateMessageError, FencedError, SeqConflictError, type StoredMessage } from '../../../actors/store.ts'
import type { Io } from './client.ts'
import type { SeqIndexCache } from './seq-index-cache.ts'
import { BatchTooLargeError, cancellationReasons } from './errors.ts'
import { idemItem, messageItem, seqIndexItem, type Item } from './items.ts'
import { HEAD_SK, idemSk, messageSk, OWNER_SK, seqIndexSk, type RoomKey } from './keys.ts'
import { roomOwnership } from './ownership.ts'

/**
 * (100 transaction items - head - seq index - owner check) / 2 items per message, rounded
 * down. The owner check is there only with a fence, but one cap for every append keeps the
 * host's batch size independent of whether the room is fenced.
 */
export const MAX_APPEND_BATCH = 48

export interface AppendContext {
  io: Io
  table: string
  key: RoomKey
  ttlDays: number | undefined
  seqIndex: SeqIndexCache
}

export async function appendBatch(
  ctx: AppendContext,
  roomId: string,
  expectedSeq: number,
  batch: StoredMessage[],
  fence?: number,
): Promise<void> {
  if (batch.length === 0) return
  validate(roomId, expectedSeq, batch)
  const input = await transaction(ctx, expectedSeq, batch, fence)
  try {
    await ctx.io.send(() => new TransactWriteCommand(input))
    remember(ctx, batch)
  } catch (err) {
    const reasons = cancellationReasons(err)
    // Not a failed condition (throttled past the bound, timed out, ...): nothing confirmed.
    if (!reasons || (reasons.length > 0 && !reasons.some((r) => r.Code === 'ConditionalCheckFailed'))) throw err
    // Order of reasons = order of TransactItems: head, (message, idempotency) pairs, seq
    // index, then the owner check when fenced.
    const failed = (i: number) => reasons[i]?.Code === 'ConditionalCheckFailed'
    const fenced = fence !== undefined && failed(2 + 2 * batch.length)
    if (failed(0) || fenced || reasons.length === 0) {
      // An earlier attempt of this very call may have committed (its answer lost) while the
      // fence still held: then the batch is stored and this append succeeded, even if the
      // room has been claimed since. Only a batch not stored is refused.
      if (await confirmCommitted(ctx, batch)) return remember(ctx, batch)
      if (fenced || (reasons.length === 0 && fence !== undefined && (await roomOwnership(ctx)).epoch !== fence)) {
        throw new FencedError(`room ${roomId}: claimed by another node since epoch ${fence}`)
      }
      throw new SeqConflictError(`room ${roomId} head is not ${expectedSeq}`)
    }
    const dup = batch.findIndex((_, i) => failed(2 + 2 * i))
    if (dup >= 0) {
      const m = batch[dup]!
      throw new DuplicateMessageError(m.senderId, m.clientId)
    }
    throw new SeqConflictError(`room ${roomId}: a message key of the batch is taken`)
  }
}

function remember(ctx: AppendContext, batch: StoredMessage[]): void {
  ctx.seqIndex.add(
    `${ctx.table}\n${ctx.key.pk}`,
    batch[0]!.seq,
    batch.map((m) => m.ts),
  )
}

function validate(roomId: string, expectedSeq: number, batch: StoredMessage[]): void {
  if (batch.length > MAX_APPEND_BATCH) {
    throw new BatchTooLargeError(`batch of ${batch.length} exceeds ${MAX_APPEND_BATCH} messages per transaction`)
  }
  batch.forEach((m, i) => {
    if (m.roomId !== roomId) throw new RangeError(`message ${m.id} is for ${m.roomId}, not ${roomId}`)
    if (m.seq !== expectedSeq + 1 + i)
      throw new RangeError(`message ${m.id} has seq ${m.seq}, expected ${expectedSeq + 1 + i}`)
    const prev = batch[i - 1]
    if (prev && m.ts <= prev.ts) throw new RangeError(`message ${m.id}: ts must increase within a room`)
  })
  // DynamoDB refuses two actions on one item in a transaction; say why in the store's terms.
  const keys = new Set<string>()
  for (const m of batch) {
    const k = idemSk(m.senderId, m.clientId)
    if (keys.has(k)) throw new DuplicateMessageError(m.senderId, m.clientId)
    keys.add(k)
  }
}

async function transaction(
  ctx: AppendContext,
  expectedSeq: number,
  batch: StoredMessage[],
  fence: number | undefined,
): Promise<TransactWriteCommandInput> {
  const { table, key, ttlDays } = ctx
  const last = batch[batch.length - 1]!
  const put = (Item: Item) => ({
    Put: { TableName: table, Item, ConditionExpression: 'attribute_not_exists(SK)' },
  })
  const head = {
    Update: {
      TableName: table,
      Key: { PK: key.pk, SK: HEAD_SK },
      // lastId: "my rooms" reads each room's last message by key (BatchGetItem), not by a Query.
      UpdateExpression: 'SET #seq = :last, #lastTs = :lastTs, #lastId = :lastId, #type = :type',
      ConditionExpression: expectedSeq === 0 ? 'attribute_not_exists(#seq)' : '#seq = :expected',
      ExpressionAttributeNames: { '#seq': 'seq', '#lastTs': 'lastTs', '#lastId': 'lastId', '#type': 'type' },
      ExpressionAttributeValues: {
        ':last': last.seq,
        ':lastTs': last.ts,
        ':lastId': last.id,
        ':type': 'Head',
        ...(expectedSeq === 0 ? {} : { ':expected': expectedSeq }),
      },
    },
  }
  // Last, so the reasons' indices of the other items are the same with or without a fence.
  const owner = {
    ConditionCheck: {
      TableName: table,
      Key: { PK: key.pk, SK: OWNER_SK },
      ConditionExpression: '#epoch = :fence',
      ExpressionAttributeNames: { '#epoch': 'epoch' },
      ExpressionAttributeValues: { ':fence': fence },
    },
  }
  const TransactItems = [
    head,
    ...batch.flatMap((m) => [put(messageItem(key, m, ttlDays)), put(idemItem(key, m, ttlDays))]),
    put(seqIndexItem(key, batch, ttlDays)),
    ...(fence === undefined ? [] : [owner]),
  ]
  return { TransactItems, ClientRequestToken: await requestToken(TransactItems) }
}

/**
 * A digest of the whole request (at most 36 characters): equal exactly when the requests are,
 * so a re-send is recognised and a different request never meets IdempotentParameterMismatch.
 */
export async function requestToken(items: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(items)))
  return Array.from(new Uint8Array(digest).slice(0, 18), (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * Is exactly this batch stored, as one earlier transaction? Its seq index item (same first
 * seq, same ts list: a prefix or part of another batch does not match) and every message
 * (same key, id and seq). Then an earlier attempt committed and this append succeeded.
 */
export async function confirmCommitted(ctx: AppendContext, batch: StoredMessage[]): Promise<boolean> {
  const first = batch[0]!
  const last = batch[batch.length - 1]!
  const { Item: index } = await ctx.io.send<GetCommandOutput>(
    () =>
      new GetCommand({
        TableName: ctx.table,
        Key: { PK: ctx.key.pk, SK: seqIndexSk(first.seq) },
        ConsistentRead: true,
      }),
  )
  const tss = index?.tss as number[] | undefined
  if (!tss || tss.length !== batch.length || batch.some((m, i) => tss[i] !== m.ts)) return false
  const items = await ctx.io.query({
    TableName: ctx.table,
    KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':pk': ctx.key.pk,
      ':from': messageSk(first.ts, first.id),
      ':to': messageSk(last.ts, last.id),
    },
  })
  const stored = new Map(items.map((item) => [String(item.SK), item]))
  return batch.every((m) => {
    const item = stored.get(messageSk(m.ts, m.id))
    return item !== undefined && item.seq === m.seq && item.id === m.id
  })
}
