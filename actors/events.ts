/**
 * The events port (docs/events.md "Events"): what a room tells other services after a group
 * commit. The runtime knows nothing of the queue behind it; src/events/publisher.ts puts the
 * events on SQS.
 */
import { parseRoomId } from './protocol/rooms.ts'
import type { StoredMessage } from './store.ts'

/** One stored message, as other services get it (the contract's `message.created`). */
export interface MessageCreatedEvent {
  type: 'message.created'
  room: string
  /** As on the stored message item: `guild` for `GUILD#<id>` rooms, else `general`. */
  roomType: 'general' | 'guild'
  /** The bare guild id of a guild room; absent for general rooms. */
  guildId?: string
  seq: number
  messageId: string
  senderId: string
  ts: number
  text: string
  /**
   * Conversations and private rooms: the members other than the sender with no live
   * connection in the room when the message was stored. Empty for guild and public rooms.
   */
  offline: string[]
  /** **Addition**: present (true) when the room has more members than were looked at
   * (`eventsMaxMembers`): `offline` then covers only the first ones in code point order. */
  offlineTruncated?: true
}

/**
 * Where a room's events go. A room calls it with its events in seq order, never with two
 * calls of one room in flight. Resolves with how many of the leading events the queue
 * accepted (all of them, or fewer after failures the publisher gave up retrying); rejects
 * when nothing is known to be accepted. The room publishes the rest again later, from its
 * cursor: events may arrive more than once, never out of seq order on a FIFO queue.
 */
export interface EventPublisher {
  publish(roomId: string, events: readonly MessageCreatedEvent[]): Promise<number>
}

/** The event of a stored message, with its `offline` list. */
export function messageCreated(m: StoredMessage, offline: string[], truncated = false): MessageCreatedEvent {
  const key = parseRoomId(m.roomId)
  // Fields in the contract's order; a guild room adds its bare guild id after roomType.
  const where =
    key?.kind === 'guild' ? { roomType: 'guild' as const, guildId: key.guildId } : { roomType: 'general' as const }
  const event: MessageCreatedEvent = {
    type: 'message.created',
    room: m.roomId,
    ...where,
    seq: m.seq,
    messageId: m.id,
    senderId: m.senderId,
    ts: m.ts,
    text: m.text,
    offline,
  }
  if (truncated) event.offlineTruncated = true
  return event
}
