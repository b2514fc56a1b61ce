/** Room ids (docs/protocol.md "Room ids"): a general room `lobby`, a guild room `GUILD#<guildId>`. */
const idPattern = /^[A-Za-z0-9_-]{1,64}$/
const guildPrefix = 'GUILD#'

export type RoomKey = { kind: 'general'; roomId: string } | { kind: 'guild'; roomId: string; guildId: string }

/** Parses a room id; `undefined` when it is not valid. */
export function parseRoomId(roomId: string): RoomKey | undefined {
  if (roomId.startsWith(guildPrefix)) {
    const guildId = roomId.slice(guildPrefix.length)
    return idPattern.test(guildId) ? { kind: 'guild', roomId, guildId } : undefined
  }
  return idPattern.test(roomId) ? { kind: 'general', roomId } : undefined
}

export function isValidId(id: string): boolean {
  return idPattern.test(id)
}

export function guildRoomId(guildId: string): string {
  return guildPrefix + guildId
}
