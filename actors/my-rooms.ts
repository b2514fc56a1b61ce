/**
 * "My rooms" (docs/protocol.md "Conversations and my rooms") decided without I/O: which of
 * the rooms the store lists are the user's and of which kind, their order (newest activity
 * first), one page of them, and the opaque cursor that continues it.
 *
 * Order: the last message's `ts`, newest first; rooms without a message last; ties by room id
 * in code point order, so that the order is total and a cursor (the last room's position)
 * names exactly where the next page starts.
 */
import { toWire } from './core/room-core.ts'
import { compareCodePoints } from './member-index.ts'
import { guildRoomId, parseRoomId } from './protocol/rooms.ts'
import type { RoomHead, RoomRecord, StoredMessage } from './store.ts'
import type { WireMessage } from './host-api.ts'

export type RoomKind = 'conversation' | 'private' | 'guild' | 'public'

/** One room as `GET /me/rooms` and the `rooms` frame list it. */
export interface MyRoom {
  room: string
  kind: RoomKind
  seq: number
  lastRead: number
  unread: number
  lastMessage: WireMessage | null
  /** Conversations only: their members, the caller included. */
  members?: string[]
}

/** A room of the user's before it is placed: its id, kind and (conversations) members. */
export interface OwnRoom {
  room: string
  kind: RoomKind
  members?: string[]
}

/** Where a room sorts: the last message's `ts` (0 without one), then its id. */
export interface Position {
  lastTs: number
  room: string
}

/**
 * The user's rooms among what the store listed: index entries whose room is open and, for a
 * private room (a conversation included), of which the user is still a member; a public room
 * with an entry (the user's read marker) as `public`; every guild as `guild`. An entry without
 * a record (a conversation cut short, a room never made) or of a closed room is left out.
 */
export function ownRooms(
  indexIds: readonly string[],
  guildIds: readonly string[],
  records: ReadonlyMap<string, RoomRecord>,
  memberships: ReadonlySet<string>,
): OwnRoom[] {
  const rooms: OwnRoom[] = []
  for (const room of indexIds) {
    const record = records.get(room)
    if (!record || record.closed) continue
    if (record.visibility === 'public') rooms.push({ room, kind: 'public' })
    else if (!memberships.has(room)) continue
    else if (record.kind === 'conversation') rooms.push({ room, kind: 'conversation', members: record.members ?? [] })
    else rooms.push({ room, kind: 'private' })
  }
  for (const guildId of guildIds) rooms.push({ room: guildRoomId(guildId), kind: 'guild' })
  return rooms
}

/** Newest activity first, then room id: negative when `a` comes first. */
export function compareActivity(a: Position, b: Position): number {
  return b.lastTs - a.lastTs || compareCodePoints(a.room, b.room)
}

export interface Placed extends OwnRoom {
  head: RoomHead | undefined
}

/**
 * The page after `after` (from the start without it), at most `limit` rooms, and the position
 * to continue from when more follow.
 */
export function pageOfRooms(
  rooms: readonly OwnRoom[],
  heads: ReadonlyMap<string, RoomHead>,
  limit: number,
  after?: Position,
): { page: Placed[]; next?: Position } {
  const placed = rooms.map((r) => ({ ...r, head: heads.get(r.room) }))
  const position = (r: Placed): Position => ({ lastTs: r.head?.lastTs ?? 0, room: r.room })
  const rest = after === undefined ? placed : placed.filter((r) => compareActivity(position(r), after) > 0)
  rest.sort((a, b) => compareActivity(position(a), position(b)))
  const page = rest.slice(0, limit)
  return rest.length > page.length && page.length > 0 ? { page, next: position(page.at(-1)!) } : { page }
}

/** A placed room as listed: `unread` is `seq - lastRead`, never below 0. */
export function myRoom(r: Placed, lastRead: number, last: StoredMessage | undefined): MyRoom {
  const seq = r.head?.seq ?? 0
  const entry: MyRoom = {
    room: r.room,
    kind: r.kind,
    seq,
    lastRead,
    unread: Math.max(0, seq - lastRead),
    lastMessage: last ? toWire(last) : null,
  }
  if (r.members) entry.members = r.members
  return entry
}

/**
 * The cursor: the position of the previous page's last room, base64url of `[lastTs, room]`.
 * Opaque to clients; a well-formed one made by hand only moves where the user's own list
 * resumes, so it carries no signature.
 */
export function encodeCursor(p: Position): string {
  return btoa(JSON.stringify([p.lastTs, p.room]))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
}

/** The position in a cursor; `undefined` when it is not one of ours. */
export function decodeCursor(cursor: string): Position | undefined {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return undefined
  let data: unknown
  try {
    data = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')))
  } catch {
    return undefined
  }
  if (!Array.isArray(data) || data.length !== 2) return undefined
  const [lastTs, room] = data as unknown[]
  if (typeof lastTs !== 'number' || !Number.isSafeInteger(lastTs) || lastTs < 0) return undefined
  if (typeof room !== 'string' || parseRoomId(room) === undefined) return undefined
  return { lastTs, room }
}
