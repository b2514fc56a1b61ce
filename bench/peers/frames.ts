/**
 * Frames the Node peers send, shaped like guildhall's wire contract (docs/protocol.md "Frames")
 * so every system builds and serialises the same amount of JSON per message.
 */

export interface RoomState {
  id: string
  seq: number
  lastTs: number
}

export interface Outgoing {
  message: Record<string, unknown>
  ack: Record<string, unknown>
}

let counter = 0

/** Assigns the next seq and a strictly increasing ts, as a room owner does. */
export function nextMessage(room: RoomState, senderId: string, id: string, text: string): Outgoing {
  const now = Date.now()
  const ts = now > room.lastTs ? now : room.lastTs + 1
  room.lastTs = ts
  const seq = ++room.seq
  const messageId = `m${(++counter).toString(36)}`
  return {
    message: {
      type: 'message',
      room: room.id,
      message: { id: messageId, seq, roomId: room.id, senderId, text, ts },
    },
    ack: { type: 'ack', room: room.id, id, seq, messageId },
  }
}

export function welcome(room: RoomState, user: string): Record<string, unknown> {
  return { type: 'welcome', room: room.id, user, seq: room.seq, lastRead: 0, presence: [user], typing: [] }
}

/** Parses a `send` frame; undefined when it is anything else. */
export function parseSend(raw: unknown): { id: string; text: string } | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined
  const f = raw as { type?: unknown; id?: unknown; text?: unknown }
  if (f.type !== 'send' || typeof f.id !== 'string' || typeof f.text !== 'string') return undefined
  return { id: f.id, text: f.text }
}
