/**
 * What one log record says. Each Store write is one record, so a record is the unit of
 * atomicity: an append batch is all in the log or not at all. Payloads are JSON, so an
 * operator can read a log with a few lines of script.
 */
import type { StoredMessage, Visibility } from '../../../actors/store.ts'
import { DEVICE_RECORD_KINDS, type DeviceRecord } from './devices.ts'

export type LogRecord =
  | { t: 'append'; room: string; messages: StoredMessage[] }
  | { t: 'read'; room: string; user: string; seq: number }
  /** Creates or replaces a room record: a closed room is open again. */
  | { t: 'room'; room: string; visibility: Visibility }
  /** Creates a room only if it has no record yet (creation on first use): applied in log
   * order, so it never overwrites an admin's record written before it. */
  | { t: 'create'; room: string; visibility: Visibility }
  /** An admin closed the room (history kept); the next `room` record reopens it. */
  | { t: 'close'; room: string }
  /** A private-room membership: `in` false is a removal. */
  | { t: 'member'; room: string; user: string; in: boolean }
  | { t: 'guild'; guild: string; user: string; in: boolean }
  /** A conversation (schema 2): its room, members (code point order), pair and index entries,
   * all or nothing. Applied only where the pair (two members) has no room yet and the room id
   * is free: the first of two racing creations wins, in log order. */
  | { t: 'conversation'; room: string; members: string[] }
  /** The room's events cursor moves forward to `seq` (the last event the queue accepted). */
  | { t: 'events'; room: string; seq: number }
  /** Devices and push claims (devices.ts). */
  | DeviceRecord

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })
const kinds = new Set([
  'append',
  'read',
  'room',
  'create',
  'close',
  'member',
  'guild',
  'conversation',
  'events',
  ...DEVICE_RECORD_KINDS,
])

export function encodeRecord(record: LogRecord): Uint8Array {
  return encoder.encode(JSON.stringify(record))
}

/** Throws on a payload this version cannot read: its checksum was right, so it is not a torn
 * write but a newer format or a bug, and skipping it would silently lose data. */
export function decodeRecord(payload: Uint8Array): LogRecord {
  const record = JSON.parse(decoder.decode(payload)) as LogRecord
  if (!kinds.has(record?.t)) throw new Error(`unknown log record type ${String(record?.t)}`)
  return record
}
