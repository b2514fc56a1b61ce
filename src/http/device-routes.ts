/**
 * A user's push devices (docs/protocol.md "Devices"): `PUT /me/devices/:deviceId` registers or
 * replaces one, `DELETE` removes it (idempotent). The path is `/me`: a caller only ever names
 * their own devices, so there is no one else's to touch. 204 on success; a bad id or body is
 * `400 invalid_request` with what is wrong, and nothing is stored.
 */
import { Hono } from 'hono'
import { authenticate } from './authenticate.ts'
import type { AppEnv, AppOptions } from './context.ts'
import { deviceIdSchema, isP256PointText, putDeviceBodySchema, toDevice } from './device-inputs.ts'
import { HttpError } from './errors.ts'
import { jsonBody } from './json-body.ts'
import { parseOr } from './validate.ts'

export function deviceRoutes(opts: AppOptions): Hono<AppEnv> {
  const { auth, logger } = opts
  const store = () => {
    if (!opts.devices) throw new HttpError('unavailable', 'this server keeps no push devices')
    return opts.devices
  }
  return new Hono<AppEnv>()
    .put('/me/devices/:deviceId', async (c) => {
      const principal = await authenticate(c, auth)
      const deviceId = parseOr(deviceIdSchema, c.req.param('deviceId'))
      const body = parseOr(putDeviceBodySchema, await jsonBody(c))
      if (body.platform === 'webpush' && !isP256PointText(body.subscription.keys.p256dh))
        throw new HttpError('invalid_request', 'subscription.keys.p256dh: not a point on P-256')
      const userId = principal.user.id
      const answer = await store().putDevice(userId, toDevice(deviceId, body))
      // A registration that removed others says so: the cap and a token's move are deliberate.
      if (answer.evicted.length > 0 || answer.movedFrom)
        logger.info('device_put', { userId, deviceId, platform: body.platform, ...answer })
      return c.body(null, 204)
    })
    .delete('/me/devices/:deviceId', async (c) => {
      const principal = await authenticate(c, auth)
      const deviceId = parseOr(deviceIdSchema, c.req.param('deviceId'))
      await store().deleteDevice(principal.user.id, deviceId)
      return c.body(null, 204)
    })
}
