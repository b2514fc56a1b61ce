/**
 * One page of "my rooms" read from the store in a fixed number of calls whatever the user's
 * rooms (docs/protocol.md "Conversations and my rooms"): the user's room index and guilds (at
 * most `maxMyRooms` of each), then in one round the records, heads and memberships of those,
 * then the read markers and last messages of the page's rooms only. Newest activity first
 * needs every head, so the cap bounds what one page costs; a user past it is told so
 * (`truncated`) and sees the newest of the rooms looked at.
 */
import { guildRoomId } from './protocol/rooms.ts'
import { decodeCursor, encodeCursor, myRoom, ownRooms, pageOfRooms, type MyRoom } from './my-rooms.ts'
import type { RoomHead, RoomRecord, Store, StoredMessage } from './store.ts'

/** `GET /me/rooms` paging (docs/protocol.md): 1..100 rooms a page, 50 by default. */
export const myRoomsDefaultLimit = 50
export const myRoomsMaxLimit = 100

export interface MyRoomsQuery {
  limit: number
  /** The previous page's `nextCursor`. */
  cursor?: string
}

export interface MyRoomsPage {
  rooms: MyRoom[]
  /** Absent on the last page. */
  nextCursor?: string
  /** The user has more rooms (or guilds) than `maxMyRooms`: only that many of each were looked at. */
  truncated?: true
}

export type MyRoomsResult =
  | ({ ok: true } & MyRoomsPage)
  | { ok: false; code: 'invalid_request'; message: string }
  | { ok: false; code: 'unavailable'; message: string; cause: unknown }

export async function listMyRooms(
  store: Store,
  userId: string,
  query: MyRoomsQuery,
  maxMyRooms: number,
): Promise<MyRoomsResult> {
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor)
  if (query.cursor !== undefined && after === undefined)
    return { ok: false, code: 'invalid_request', message: 'cursor: not a cursor this server made' }
  try {
    const [index, guilds] = await Promise.all([
      store.listUserRooms(userId, { limit: maxMyRooms }),
      store.listUserGuilds(userId, { limit: maxMyRooms }),
    ])
    const guildRooms = guilds.ids.map(guildRoomId)
    const all = [...index.ids, ...guildRooms]
    const none = index.ids.length === 0
    const [records, heads, memberships] = await Promise.all([
      none ? new Map<string, RoomRecord>() : store.roomRecords(index.ids),
      all.length === 0 ? new Map<string, RoomHead>() : store.roomHeads(all),
      none ? new Set<string>() : store.membershipsOf(userId, index.ids),
    ])
    const mine = ownRooms(index.ids, guilds.ids, records, memberships)
    const { page, next } = pageOfRooms(mine, heads, query.limit, after)
    const ids = page.map((r) => r.room)
    const pageHeads = new Map<string, RoomHead>()
    for (const r of page) if (r.head) pageHeads.set(r.room, r.head)
    const [markers, last] = await Promise.all([
      ids.length === 0 ? new Map<string, number>() : store.readMarkersOf(userId, ids),
      pageHeads.size === 0 ? new Map<string, StoredMessage>() : store.lastMessages(pageHeads),
    ])
    const result: MyRoomsResult = {
      ok: true,
      rooms: page.map((r) => myRoom(r, markers.get(r.room) ?? 0, last.get(r.room))),
    }
    if (next) result.nextCursor = encodeCursor(next)
    if (index.next !== undefined || guilds.next !== undefined) result.truncated = true
    return result
  } catch (err) {
    return { ok: false, code: 'unavailable', message: 'storage could not answer; retry', cause: err }
  }
}
