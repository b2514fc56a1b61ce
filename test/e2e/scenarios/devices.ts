/**
 * docs/protocol.md "Devices", over HTTP on any target (Node, Deno, DynamoDB): registrations
 * answered 204, refusals 400/401, DELETE idempotent. What is stored is checked on the server's
 * own store in test/e2e/devices.test.ts; here, that every runtime validates alike (the P-256
 * check runs on the runtime's WebCrypto).
 */
import { createECDH, randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import type { Target } from '../../support/server.ts'
import { http, uniq } from './util.ts'

const b64 = (b: Buffer) => b.toString('base64url')

export function deviceScenarios(t: Test, target: () => Target): void {
  t.test('PUT and DELETE /me/devices/:deviceId', async (t) => {
    const s = target()
    const token = await s.token({ sub: uniq('u') })
    const keys = { p256dh: b64(createECDH('prime256v1').generateKeys()), auth: b64(randomBytes(16)) }
    const subscription = { endpoint: 'https://push.example.com/wpush/1', expirationTime: null, keys }
    t.same(
      await http(s, 'PUT', '/me/devices/phone', { token, body: { platform: 'fcm', token: 'tok', locale: 'fr' } }),
      {
        status: 204,
        body: undefined,
      },
    )
    t.equal(
      (await http(s, 'PUT', '/me/devices/browser', { token, body: { platform: 'webpush', subscription } })).status,
      204,
    )
    const offCurve = Buffer.alloc(65, 1)
    offCurve[0] = 4
    const bad = await http(s, 'PUT', '/me/devices/browser', {
      token,
      body: { platform: 'webpush', subscription: { ...subscription, keys: { ...keys, p256dh: b64(offCurve) } } },
    })
    t.same(bad, {
      status: 400,
      body: { error: 'invalid_request', message: 'subscription.keys.p256dh: not a point on P-256' },
    })
    t.equal((await http(s, 'PUT', '/me/devices/phone', { body: { platform: 'fcm', token: 'tok' } })).status, 401)
    t.equal((await http(s, 'DELETE', '/me/devices/phone', { token })).status, 204)
    t.equal((await http(s, 'DELETE', '/me/devices/phone', { token })).status, 204, 'again')
  })
}
