/**
 * The attributes every room span carries (docs/operations.md "Spans"): the room id as clients
 * know it, the bare guild id for a guild room, and this node's id when clustered. Never
 * message text, never a token.
 */
import { parseRoomId } from './protocol/rooms.ts'
import type { SpanAttributes } from './tracing.ts'

export function roomAttributes(roomId: string, node: string | undefined): SpanAttributes {
  const attributes: SpanAttributes = { room_id: roomId }
  const key = parseRoomId(roomId)
  if (key?.kind === 'guild') attributes.guild_id = key.guildId
  if (node !== undefined) attributes.node = node
  return attributes
}

/** How many links a span made for many frames (a group commit) carries at most. */
export const maxSpanLinks = 32
