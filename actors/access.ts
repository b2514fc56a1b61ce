/**
 * Who may enter which room (PROTOCOL.md section 3): a public general room is open to every
 * authenticated user, a private one to its members, a guild room to the guild's members.
 * A non-member of a guild room hears `forbidden`, never whether the guild exists.
 */
import { parseRoomId } from './protocol/rooms.ts'
import type { AccessResult } from './runtime.ts'
import type { Store } from './store.ts'

export interface AccessOptions {
  /** Create a general room, public, on first use. */
  autoCreateRooms: boolean
}

export async function checkAccess(store: Store, opts: AccessOptions, roomId: string, userId: string): Promise<AccessResult> {
  const key = parseRoomId(roomId)
  if (!key) return { ok: false, code: 'invalid_room' }
  try {
    if (key.kind === 'guild') {
      return (await store.isGuildMember(key.guildId, userId)) ? { ok: true } : { ok: false, code: 'forbidden' }
    }
    const room = await store.getRoom(roomId)
    if (!room) {
      if (!opts.autoCreateRooms) return { ok: false, code: 'not_found' }
      await store.putRoom({ roomId, visibility: 'public' })
      return { ok: true }
    }
    if (room.visibility === 'public') return { ok: true }
    return (await store.isRoomMember(roomId, userId)) ? { ok: true } : { ok: false, code: 'forbidden' }
  } catch {
    return { ok: false, code: 'unavailable' }
  }
}
