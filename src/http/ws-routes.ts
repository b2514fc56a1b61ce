/**
 * The two WebSocket endpoints. Every refusal happens here, as plain HTTP, before the upgrade:
 * draining (503), a browser page of an origin not allowed (403), token (401), the user's
 * connection cap (429), room id (400), `since` (400), access (403/404/429/503), and a request
 * that is not an upgrade at all (400).
 */
import { Hono, type Context } from 'hono'
import { authenticate } from './authenticate.ts'
import { requireAccess, requireConnectionSlot } from './access.ts'
import type { AppEnv, AppOptions } from './context.ts'
import { requireOrigin } from './cors.ts'
import { HttpError } from './errors.ts'
import { roomIdSchema, sinceSchema } from './inputs.ts'
import type { Lifecycle } from './lifecycle.ts'
import { parseOr } from './validate.ts'

export function wsRoutes(opts: AppOptions & { lifecycle: Lifecycle }): Hono<AppEnv> {
  const { host, auth, logger, lifecycle, upgradeWebSocket } = opts
  const maxFrameBytes = opts.config.limits.maxFrameBytes

  const allowedOrigins = opts.allowedOrigins ?? []
  const refuseWhileDraining = () => {
    if (lifecycle.draining) throw new HttpError('unavailable', 'the server is draining; reconnect shortly')
  }
  const refuseForeignOrigin = (c: Context) =>
    requireOrigin(allowedOrigins, c.req.header('origin'), c.req.header('host'))

  return new Hono<AppEnv>()
    .get('/ws/rooms/:roomId', async (c) => {
      refuseWhileDraining()
      refuseForeignOrigin(c)
      const principal = await authenticate(c, auth)
      requireConnectionSlot(host, principal.user.id)
      const roomId = parseOr(roomIdSchema, c.req.param('roomId'), 'invalid_room')
      // The one parameter, not an object of the whole query (the token is in it too); most
      // connects have none, and then nothing is validated or allocated for it.
      const sinceText = c.req.query('since')
      const since = sinceText === undefined ? undefined : parseOr(sinceSchema, { since: sinceText }).since
      const epoch = host.revocationEpoch // before the check: a close or revocation after it still refuses
      await requireAccess(host, roomId, principal.user.id, 'enter')
      requireUpgrade(c)
      const room = since === undefined ? { roomId, epoch } : { roomId, since, epoch }
      return upgradeWebSocket(c, {
        host,
        principal,
        room,
        maxFrameBytes,
        logger,
        traceparent: c.get('span')?.traceparent,
      })
    })
    .get('/ws', async (c) => {
      refuseWhileDraining()
      refuseForeignOrigin(c)
      const principal = await authenticate(c, auth)
      requireConnectionSlot(host, principal.user.id)
      requireUpgrade(c)
      return upgradeWebSocket(c, { host, principal, maxFrameBytes, logger, traceparent: c.get('span')?.traceparent })
    })
}

function requireUpgrade(c: Context): void {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new HttpError('invalid_request', 'this endpoint takes a WebSocket upgrade')
  }
}
