/**
 * Room access for HTTP and upgrades: the actor host decides, this maps its answer onto the
 * error factory. A guild room answers `forbidden` to a non-member whether or not it exists.
 * An upgrade enters the room (and may create it); a history read never creates anything.
 */
import type { AccessIntent, HostApi } from '../../actors/host-api.ts'
import { accessMessages } from '../../actors/protocol/errors.ts'
import { HttpError } from './errors.ts'

export async function requireAccess(
  host: HostApi,
  roomId: string,
  userId: string,
  intent: AccessIntent,
): Promise<void> {
  const result = await host.authorizeOrCreate(roomId, userId, intent)
  if (result.ok) return
  throw new HttpError(result.code, result.message ?? accessMessages[result.code], {
    retryAfterMs: result.retryAfterMs,
    cause: result.cause,
  })
}

/** Over `maxConnectionsPerUser` on this node: `429`, before the upgrade. */
export function requireConnectionSlot(host: HostApi, userId: string): void {
  if (!host.mayConnect(userId))
    throw new HttpError('rate_limited', 'too many open connections for this user; close one first')
}
