/**
 * Key layout (docs/protocol.md "Room ids", docs/storage.md "## DynamoDB store"). Every item of a
 * room lives in one partition, so a room's reads are Queries and its group commit touches
 * one item collection.
 */

import { guildRoomId, isValidId, parseRoomId } from '../../../actors/protocol/rooms.ts'

export type TableKind = 'core' | 'guild'

export interface RoomKey {
  table: TableKind
  /** `ROOM#<roomId>` or `GUILD#<guildId>`. */
  pk: string
  roomType: 'general' | 'guild'
  /** The bare guild id, for guild rooms. */
  guildId?: string
}

/** Where a room lives. Throws on an id the protocol does not allow (rules: actors/protocol/rooms.ts). */
export function roomKey(roomId: string): RoomKey {
  const key = parseRoomId(roomId)
  if (!key) throw new RangeError(`invalid room id: ${roomId}`)
  if (key.kind === 'guild') return { table: 'guild', pk: guildPk(key.guildId), roomType: 'guild', guildId: key.guildId }
  return { table: 'core', pk: `ROOM#${roomId}`, roomType: 'general' }
}

export function guildPk(guildId: string): string {
  if (!isValidId(guildId)) throw new RangeError(`invalid guild id: ${guildId}`)
  return guildRoomId(guildId)
}

/** `ts` as 13 digits, so string order is time order (and, within a room, seq order). */
export function padTs(ts: number): string {
  if (!Number.isSafeInteger(ts) || ts < 0 || ts > 9_999_999_999_999) throw new RangeError(`ts out of range: ${ts}`)
  return String(ts).padStart(13, '0')
}

/** Seq as 16 digits (every safe integer fits), so batch-index items sort by seq. */
export function padSeq(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`seq out of range: ${seq}`)
  return String(seq).padStart(16, '0')
}

export const MSG_PREFIX = 'MSG#'
/** Sorts after every `MSG#<digits>...` key: the open upper end of message ranges. */
export const MSG_END = 'MSG#~'
export const SEQ_PREFIX = 'SEQ#'
export const HEAD_SK = 'HEAD'
export const META_SK = 'META'
/**
 * The room's owner and fencing epoch (ownership.ts). Outside every range a read walks
 * (`MSG#`, `SEQ#`, `MEMBER#`, `IDEM#`, `READ#`, and `META` for room listings), so no page,
 * snapshot or listing ever meets it.
 */
export const OWNER_SK = 'OWNER'
/** The room's events cursor (attribute `published`): outside every range a read walks, as OWNER. */
export const EVENTS_SK = 'EVENTS'

export const messageSk = (ts: number, messageId: string): string => `${MSG_PREFIX}${padTs(ts)}#${messageId}`
/** Below every message with `ts' >= ts`: `MSG#<ts>` is a strict prefix of their keys. */
export const tsFloor = (ts: number): string => `${MSG_PREFIX}${padTs(ts)}`
export const seqIndexSk = (firstSeq: number): string => `${SEQ_PREFIX}${padSeq(firstSeq)}`
export const MEMBER_PREFIX = 'MEMBER#'
export const memberSk = (userId: string): string => `${MEMBER_PREFIX}${userId}`
export const readSk = (userId: string): string => `READ#${userId}`

/**
 * Two free-form parts in one key: `%` and `#` are escaped so `a#b` + `c` and `a` + `b#c`
 * differ (the escaped parts hold no `#`, so the first `#` after `IDEM#` splits them: the
 * encoding is unambiguous). Only those two, so the key stays under DynamoDB's 1024-byte
 * sort-key limit: a 128-code-point user id and a 64-code-point client id take at most 4 bytes
 * per code point, 774 bytes with the prefix.
 */
export const escapeKeyPart = (s: string): string => s.replace(/%/g, '%25').replace(/#/g, '%23')
export const idemSk = (senderId: string, clientId: string): string =>
  `IDEM#${escapeKeyPart(senderId)}#${escapeKeyPart(clientId)}`

/** A user's own partition in the core table: their room index (`ROOM#<roomId>`), devices. */
export const userPk = (userId: string): string => `USER#${userId}`
export const USER_ROOM_PREFIX = 'ROOM#'
export const userRoomSk = (roomId: string): string => `${USER_ROOM_PREFIX}${roomId}`
/** A pair conversation's one item, `SK = PAIR`: the two user ids in code point order, escaped
 * as in `idemSk` so that no two pairs spell the same key. */
export const pairPk = (a: string, b: string): string => `PAIR#${escapeKeyPart(a)}#${escapeKeyPart(b)}`
export const PAIR_SK = 'PAIR'
/**
 * The guild table's one global secondary index: hash `SK`, range `PK`, keys only. Query
 * `SK = MEMBER#<userId>` lists the user's guilds, also from items other services wrote.
 */
export const INVERTED_INDEX = 'inverted'
export const GUILD_PREFIX = 'GUILD#'
