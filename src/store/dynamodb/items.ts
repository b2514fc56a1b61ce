/**
 * Items as stored, and back. Message attributes are those of docs/protocol.md "Room ids" (id, roomId,
 * senderId, text, ts, seq, type, roomType, guildId) plus `clientId` (the idempotency key,
 * so a restarted owner rebuilds its idempotency window from the messages alone) and `ttl`.
 */
import type { StoredMessage } from '../../../actors/store.ts'
import { TTL_ATTRIBUTE } from './config.ts'
import { idemSk, messageSk, seqIndexSk, type RoomKey } from './keys.ts'

export type Item = Record<string, unknown>

/** Epoch seconds at which DynamoDB may delete an item written at `ts`; undefined keeps it. */
export function expiry(ts: number, ttlDays: number | undefined): number | undefined {
  return ttlDays === undefined ? undefined : Math.floor(ts / 1000) + Math.round(ttlDays * 86_400)
}

function withTtl(item: Item, ts: number, ttlDays: number | undefined): Item {
  const at = expiry(ts, ttlDays)
  return at === undefined ? item : { ...item, [TTL_ATTRIBUTE]: at }
}

export function messageItem(key: RoomKey, m: StoredMessage, ttlDays: number | undefined): Item {
  const item: Item = {
    PK: key.pk,
    SK: messageSk(m.ts, m.id),
    type: 'Message',
    id: m.id,
    roomId: m.roomId,
    senderId: m.senderId,
    text: m.text,
    ts: m.ts,
    seq: m.seq,
    roomType: key.roomType,
    clientId: m.clientId,
  }
  if (key.guildId !== undefined) item.guildId = key.guildId
  return withTtl(item, m.ts, ttlDays)
}

/**
 * The idempotency key: exists once per (sender, clientId) in the room, so a second message with
 * it fails its condition. Points at the message instead of copying its text (half the bytes).
 */
export function idemItem(key: RoomKey, m: StoredMessage, ttlDays: number | undefined): Item {
  return withTtl(
    {
      PK: key.pk,
      SK: idemSk(m.senderId, m.clientId),
      type: 'Idempotency',
      senderId: m.senderId,
      clientId: m.clientId,
      messageSk: messageSk(m.ts, m.id),
      seq: m.seq,
    },
    m.ts,
    ttlDays,
  )
}

/**
 * The seq index of one batch: `SEQ#<first seq>` holding each message's ts in seq order, so a
 * page can turn a seq into a sort-key bound with one small read. One item per batch, not per
 * message, keeps a 48-message batch inside one 100-item transaction.
 */
export function seqIndexItem(key: RoomKey, batch: StoredMessage[], ttlDays: number | undefined): Item {
  const first = batch[0]!
  const last = batch[batch.length - 1]!
  return withTtl(
    { PK: key.pk, SK: seqIndexSk(first.seq), type: 'SeqIndex', first: first.seq, tss: batch.map((m) => m.ts) },
    last.ts,
    ttlDays,
  )
}

export function toMessage(item: Item): StoredMessage {
  return {
    id: String(item.id),
    seq: Number(item.seq),
    roomId: String(item.roomId),
    senderId: String(item.senderId),
    text: String(item.text),
    ts: Number(item.ts),
    clientId: String(item.clientId ?? ''),
  }
}
