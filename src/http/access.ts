/**
 * Room access for HTTP and upgrades: the runtime decides, this maps its answer onto the
 * error factory. A guild room answers `forbidden` to a non-member whether or not it exists.
 */
import type { RoomRuntime } from '../../actors/runtime.ts'
import { HttpError } from './errors.ts'

const messages = {
  invalid_room: 'not a valid room id',
  forbidden: 'you may not enter this room',
  not_found: 'no such room',
  unavailable: 'the room cannot be reached now; retry later',
} as const

export async function requireAccess(runtime: RoomRuntime, roomId: string, userId: string): Promise<void> {
  const result = await runtime.checkAccess(roomId, userId)
  if (!result.ok) throw new HttpError(result.code, messages[result.code])
}
