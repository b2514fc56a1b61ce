/**
 * Who a room's events say was offline (`offline` of `message.created`, docs/events.md): for a
 * conversation or a private room, its members other than the sender with no live connection
 * in the room when the message was stored. The room's owner sees every gateway's connections
 * (a remote gateway's connections have stand-ins there), so its view is the whole room's.
 *
 * The members come from the store: a conversation's from its record, a private room's read a
 * page at a time up to `eventsMaxMembers` (past it the event says `offlineTruncated`), kept
 * for `eventsMembersCacheMs` and dropped at once on a change made through this node.
 * Guild and public rooms have no `offline` list: nothing is read for them.
 */
import type { Clock } from './clock.ts'
import { messageCreated, type MessageCreatedEvent } from './events.ts'
import type { Limits } from './limits.ts'
import { parseRoomId } from './protocol/rooms.ts'
import type { Store, StoredMessage } from './store.ts'

/** A message to publish, with who was connected when it was stored (when that was noted). */
export interface HeldMessage {
  message: StoredMessage
  /** Users with a live connection in the room at store time; absent: use those of now. */
  connected?: ReadonlySet<string>
}

type Members = { listed: false } | { listed: true; members: string[]; truncated: boolean }

export class RoomAudience {
  private members: { at: number; value: Promise<Members> } | undefined
  /** Known to need no `offline` list (guild room, public room). */
  private open: boolean
  private readonly roomId: string
  private readonly store: Store
  private readonly clock: Clock
  private readonly limits: Limits
  constructor(roomId: string, store: Store, clock: Clock, limits: Limits) {
    this.roomId = roomId
    this.store = store
    this.clock = clock
    this.limits = limits
    this.open = parseRoomId(roomId)?.kind === 'guild'
  }

  /** Whether a stored batch should note who is connected (false once the room is known open). */
  needsPresence(): boolean {
    return !this.open
  }

  /** Membership or visibility changed: read the members again for the next events. */
  forget(): void {
    this.members = undefined
    this.open = parseRoomId(this.roomId)?.kind === 'guild'
  }

  /** The events of `held`, in order. Rejects when the store cannot say who the members are. */
  async events(held: readonly HeldMessage[], connectedNow: () => ReadonlySet<string>): Promise<MessageCreatedEvent[]> {
    if (this.open) return held.map((h) => messageCreated(h.message, []))
    const members = await this.currentMembers()
    if (!members.listed) return held.map((h) => messageCreated(h.message, []))
    // Read back from the store (no presence noted at store time): who is connected now.
    const now = held.some((h) => !h.connected) ? connectedNow() : undefined
    return held.map(({ message, connected }) => {
      const present = connected ?? now ?? new Set<string>()
      const offline = members.members.filter((u) => u !== message.senderId && !present.has(u))
      return messageCreated(message, offline, members.truncated)
    })
  }

  private currentMembers(): Promise<Members> {
    const now = this.clock.now()
    if (this.members && now - this.members.at < this.limits.eventsMembersCacheMs) return this.members.value
    const value = this.readMembers()
    const entry = { at: now, value }
    this.members = entry
    // A failed read is not kept: the next events try again.
    value.catch(() => {
      if (this.members === entry) this.members = undefined
    })
    return value
  }

  private async readMembers(): Promise<Members> {
    const room = await this.store.getRoom(this.roomId)
    if (room?.visibility !== 'private') {
      this.open = room?.visibility === 'public'
      return { listed: false }
    }
    const max = this.limits.eventsMaxMembers
    if (room.members) return { listed: true, members: room.members.slice(0, max), truncated: room.members.length > max }
    const members: string[] = []
    let after: string | undefined
    for (;;) {
      const limit = Math.min(this.limits.membersMaxLimit, max + 1 - members.length)
      const page = await this.store.listRoomMembers(this.roomId, after === undefined ? { limit } : { after, limit })
      members.push(...page.members)
      if (members.length > max) return { listed: true, members: members.slice(0, max), truncated: true }
      if (page.next === undefined || page.members.length === 0) return { listed: true, members, truncated: false }
      after = page.next
    }
  }
}
