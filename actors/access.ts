/**
 * Who may enter which room (docs/protocol.md "Room ids"): a public general room is open to every
 * authenticated user, a private one to its members, a guild room to the guild's members.
 * A non-member of a guild room hears `forbidden`, never whether the guild exists.
 *
 * Only entering creates: a general room that does not exist is created on first entry (when
 * configured to), within the user's `roomCreatesPerMinute`; a read of it creates nothing and
 * finds it empty, so read-only requests cannot fill the store with room records.
 */
import { accessMessages } from './protocol/errors.ts'
import { parseRoomId } from './protocol/rooms.ts'
import type { AccessIntent, AccessResult } from './host-api.ts'
import type { RoomRecord, Store } from './store.ts'

export interface AccessOptions {
  /** Create a general room, public, on first use. */
  autoCreateRooms: boolean
  /** The user's room-creation quota (`UserQuotas`), charged before a room is created. */
  creates: {
    takeCreate(userId: string, now: number): { ok: true } | { ok: false; retryAfterMs: number }
    refundCreate(userId: string): void
  }
  now(): number
}

export async function authorizeOrCreate(
  store: Store,
  opts: AccessOptions,
  roomId: string,
  userId: string,
  intent: AccessIntent = 'enter',
): Promise<AccessResult> {
  const key = parseRoomId(roomId)
  if (!key) return { ok: false, code: 'invalid_room' }
  try {
    if (key.kind === 'guild') {
      // A guild room has no record: a service may post in any (its members are the guild's).
      if (intent === 'service') return { ok: true }
      return (await store.isGuildMember(key.guildId, userId)) ? { ok: true } : { ok: false, code: 'forbidden' }
    }
    const room = await store.getRoom(roomId)
    if (!room) {
      if (intent === 'service') return { ok: false, code: 'not_found' }
      if (!opts.autoCreateRooms) return { ok: false, code: 'not_found' }
      if (intent === 'read') return { ok: true }
      return await create(store, opts, roomId, userId)
    }
    return await accessTo(store, room, userId, intent)
  } catch (err) {
    return { ok: false, code: 'unavailable', cause: err }
  }
}

async function create(store: Store, opts: AccessOptions, roomId: string, userId: string): Promise<AccessResult> {
  const taken = opts.creates.takeCreate(userId, opts.now())
  if (!taken.ok)
    return {
      ok: false,
      code: 'rate_limited',
      message: accessMessages.rate_limited,
      retryAfterMs: taken.retryAfterMs,
    }
  let created: boolean
  try {
    created = await store.createRoom({ roomId, visibility: 'public' })
  } catch (err) {
    opts.creates.refundCreate(userId)
    throw err
  }
  if (created) return { ok: true }
  // The room exists after all: someone made it meanwhile (an admin's private room, a
  // conversation), or a cached "no such room" was stale. This user created nothing, and
  // enters only on what the record says now.
  opts.creates.refundCreate(userId)
  store.forgetAccess?.(roomId)
  const room = await store.getRoom(roomId)
  return room ? accessTo(store, room, userId, 'enter') : { ok: true }
}

/** Access to a general room by its record. */
async function accessTo(store: Store, room: RoomRecord, userId: string, intent: AccessIntent): Promise<AccessResult> {
  // Closed by an admin: like a room that does not exist, and never created again on entry.
  if (room.closed) return { ok: false, code: 'not_found', message: 'this room is closed' }
  if (room.visibility === 'public' || intent === 'service') return { ok: true }
  return (await store.isRoomMember(room.roomId, userId)) ? { ok: true } : { ok: false, code: 'forbidden' }
}
