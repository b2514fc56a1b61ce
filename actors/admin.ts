/**
 * Admin writes (docs/protocol.md "HTTP endpoints"): through the store first, then onto live sockets, so a
 * revoked member is never served past the revocation on this node.
 */
import type { ActorHost } from './host.ts'
import { Refusal } from './protocol/errors.ts'
import { codePointLength } from './protocol/frames.ts'
import { guildRoomId, isValidId, parseRoomId } from './protocol/rooms.ts'
import type { AdminApi } from './host-api.ts'
import type { MemberPage, MemberQuery, Store, Visibility } from './store.ts'

/** An admin request naming something that cannot exist (a malformed id, a guild as a room). */
export class AdminInputError extends Refusal {
  override name = 'AdminInputError'
  constructor(code: 'invalid_room' | 'invalid_request', message: string) {
    super(code, message)
  }
}

export class Admin implements AdminApi {
  private readonly host: ActorHost
  private readonly store: Store
  constructor(host: ActorHost, store: Store) {
    this.host = host
    this.store = store
  }

  /** Create or update; the record is written whole, so this also reopens a closed room. */
  async putRoom(roomId: string, visibility: Visibility): Promise<boolean> {
    this.generalRoom(roomId)
    const created = await this.store.putRoom({ roomId, visibility })
    this.host.membersChanged(roomId)
    if (visibility === 'private') {
      // A room that turns private keeps only its members.
      for (const userId of this.host.connectedUsers(roomId)) {
        if (!(await this.store.isRoomMember(roomId, userId))) this.host.revoke(roomId, userId)
      }
    }
    return created
  }

  async closeRoom(roomId: string): Promise<boolean> {
    this.generalRoom(roomId)
    // Stored first: from then on no access check lets anyone in, and the host refuses the
    // entries whose check began before.
    if (!(await this.store.closeRoom(roomId))) return false
    this.host.closeRoom(roomId)
    return true
  }

  listRoomMembers(roomId: string, query: MemberQuery): Promise<MemberPage> {
    this.generalRoom(roomId)
    return this.store.listRoomMembers(roomId, query)
  }

  listGuildMembers(guildId: string, query: MemberQuery): Promise<MemberPage> {
    this.guild(guildId)
    return this.store.listGuildMembers(guildId, query)
  }

  async putRoomMember(roomId: string, userId: string): Promise<void> {
    this.generalRoom(roomId)
    this.user(userId)
    await this.store.putRoomMember(roomId, userId)
    this.host.membersChanged(roomId)
  }

  async deleteRoomMember(roomId: string, userId: string): Promise<boolean> {
    this.generalRoom(roomId)
    this.user(userId)
    const removed = await this.store.deleteRoomMember(roomId, userId)
    const room = await this.store.getRoom(roomId)
    if (room?.visibility === 'private') this.host.revoke(roomId, userId)
    return removed
  }

  async putGuildMember(guildId: string, userId: string): Promise<void> {
    this.guild(guildId)
    this.user(userId)
    await this.store.putGuildMember(guildId, userId)
  }

  async deleteGuildMember(guildId: string, userId: string): Promise<boolean> {
    this.guild(guildId)
    this.user(userId)
    const removed = await this.store.deleteGuildMember(guildId, userId)
    this.host.revoke(guildRoomId(guildId), userId)
    return removed
  }

  private generalRoom(roomId: string): void {
    if (parseRoomId(roomId)?.kind !== 'general')
      throw new AdminInputError('invalid_room', `not a general room id: ${roomId}`)
  }

  private guild(guildId: string): void {
    if (!isValidId(guildId)) throw new AdminInputError('invalid_room', `not a guild id: ${guildId}`)
  }

  private user(userId: string): void {
    const length = codePointLength(userId)
    if (length < 1 || length > 128) throw new AdminInputError('invalid_request', 'user id must be 1..128 characters')
  }
}
