/**
 * `PUT/DELETE /me/devices/:deviceId` over real HTTP, on the embedded store and on DynamoDB
 * Local: what a valid registration stores (read back from the server's own store), every
 * refusal a 400 with nothing stored, a user only ever reaching their own devices, and a push
 * token registered by a second user moved to them.
 */
import { createECDH, randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import { MemoryStore } from '../../actors/testing/memory-store.ts'
import type { DeviceStore } from '../../src/notifier/ports.ts'
import { dynamoServerEnv, startDynamoDbLocal } from '../support/dynamodb-local.ts'
import { startInProcess, type InProcess } from '../support/server.ts'

const b64 = (b: Buffer) => b.toString('base64url')
/** A browser's subscription as `PushSubscription.toJSON()` gives it. */
function browserSubscription(endpoint = 'https://push.example.com/wpush/v2/abc') {
  const ecdh = createECDH('prime256v1')
  return { endpoint, expirationTime: null, keys: { p256dh: b64(ecdh.generateKeys()), auth: b64(randomBytes(16)) } }
}

async function call(server: InProcess, method: string, path: string, opts: { sub?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (opts.sub !== null) headers.authorization = `Bearer ${await server.token({ sub: opts.sub ?? 'alice' })}`
  const res = await fetch(`${server.http}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined && { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as { error?: string; message?: string }) : undefined }
}

function scenarios(t: Test, name: string, start: () => Promise<InProcess>): void {
  t.test(name, async (t) => {
    const server = await start()
    t.teardown(() => server.stop())
    const devices = server.gh.store as unknown as DeviceStore
    const list = async (user = 'alice') =>
      (await devices.listDevices(user)).sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1))

    t.test('registers an FCM device and a Web Push one, and replaces by id', async (t) => {
      t.same(
        await call(server, 'PUT', '/me/devices/phone-1', {
          body: { platform: 'fcm', token: 'fcm:tok-1', locale: 'es' },
        }),
        {
          status: 204,
          body: undefined,
        },
      )
      const sub = browserSubscription()
      t.equal(
        (await call(server, 'PUT', '/me/devices/browser', { body: { platform: 'webpush', subscription: sub } })).status,
        204,
      )
      t.same(await list(), [
        {
          deviceId: 'browser',
          platform: 'webpush',
          subscription: { endpoint: sub.endpoint, keys: sub.keys },
        },
        { deviceId: 'phone-1', platform: 'fcm', token: 'fcm:tok-1', locale: 'es' },
      ])
      t.equal(
        (await call(server, 'PUT', '/me/devices/phone-1', { body: { platform: 'fcm', token: 'fcm:tok-2' } })).status,
        204,
      )
      t.same(
        (await list()).find((d) => d.deviceId === 'phone-1'),
        { deviceId: 'phone-1', platform: 'fcm', token: 'fcm:tok-2' },
      )
      const local = browserSubscription('http://127.0.0.1:9/push/x')
      t.equal(
        (await call(server, 'PUT', '/me/devices/dev-browser', { body: { platform: 'webpush', subscription: local } }))
          .status,
        204,
        'http on loopback (local development) is accepted',
      )
    })

    t.test('a bad id or body is a 400 with what is wrong, and nothing is stored', async (t) => {
      const before = await list()
      const sub = browserSubscription()
      const offCurve = Buffer.alloc(65, 1)
      offCurve[0] = 4
      const cases: [string, string, unknown, RegExp][] = [
        ['id too long', 'x'.repeat(65), { platform: 'fcm', token: 't' }, /device id/],
        ['id with a space', 'my%20phone', { platform: 'fcm', token: 't' }, /device id/],
        ['not JSON', 'p', '{"platform":', /JSON/],
        ['no platform', 'p', { token: 't' }, /platform is fcm or webpush/],
        ['unknown platform', 'p', { platform: 'apns', token: 't' }, /platform is fcm or webpush/],
        ['empty token', 'p', { platform: 'fcm', token: '' }, /token is empty/],
        ['token not a string', 'p', { platform: 'fcm', token: 5 }, /token is a string/],
        ['token too long', 'p', { platform: 'fcm', token: 'x'.repeat(4097) }, /token is over 4096/],
        ['token with a space', 'p', { platform: 'fcm', token: 'a b' }, /printable ASCII/],
        ['bad locale', 'p', { platform: 'fcm', token: 't', locale: 'english please' }, /locale/],
        ['no subscription', 'p', { platform: 'webpush' }, /subscription/],
        [
          'http endpoint',
          'p',
          { platform: 'webpush', subscription: { ...sub, endpoint: 'http://push.example.com/x' } },
          /https/,
        ],
        ['endpoint not a URL', 'p', { platform: 'webpush', subscription: { ...sub, endpoint: 'push' } }, /URL/],
        [
          'endpoint too long',
          'p',
          { platform: 'webpush', subscription: { ...sub, endpoint: `https://p.example/${'x'.repeat(2048)}` } },
          /endpoint is over 2048/,
        ],
        ['no keys', 'p', { platform: 'webpush', subscription: { endpoint: sub.endpoint } }, /keys/],
        [
          'p256dh too short',
          'p',
          { platform: 'webpush', subscription: { ...sub, keys: { ...sub.keys, p256dh: b64(Buffer.alloc(33, 4)) } } },
          /p256dh is base64url of a 65-byte/,
        ],
        [
          'p256dh compressed',
          'p',
          { platform: 'webpush', subscription: { ...sub, keys: { ...sub.keys, p256dh: b64(Buffer.alloc(65, 2)) } } },
          /p256dh/,
        ],
        [
          'p256dh off the curve',
          'p',
          { platform: 'webpush', subscription: { ...sub, keys: { ...sub.keys, p256dh: b64(offCurve) } } },
          /not a point on P-256/,
        ],
        [
          'auth 15 bytes',
          'p',
          { platform: 'webpush', subscription: { ...sub, keys: { ...sub.keys, auth: b64(randomBytes(15)) } } },
          /auth is base64url of 16 bytes/,
        ],
        [
          'auth not base64url',
          'p',
          { platform: 'webpush', subscription: { ...sub, keys: { ...sub.keys, auth: 'a+b/c=d==' } } },
          /auth/,
        ],
      ]
      for (const [what, id, body, message] of cases) {
        const answer = await call(server, 'PUT', `/me/devices/${id}`, { body })
        t.equal(answer.status, 400, `${what}: 400`)
        t.equal(answer.body?.error, 'invalid_request', `${what}: invalid_request`)
        t.match(answer.body?.message, message, `${what}: ${answer.body?.message}`)
      }
      t.same(await list(), before, 'nothing stored')
    })

    t.test('without a valid token: 401', async (t) => {
      const answer = await call(server, 'PUT', '/me/devices/p', {
        sub: null as never,
        body: { platform: 'fcm', token: 't' },
      })
      t.equal(answer.status, 401)
      t.equal((await call(server, 'DELETE', '/me/devices/p', { sub: null as never })).status, 401)
    })

    t.test('DELETE removes only the caller own device, and is idempotent', async (t) => {
      await call(server, 'PUT', '/me/devices/shared-id', { sub: 'bob', body: { platform: 'fcm', token: 'bob-token' } })
      await call(server, 'PUT', '/me/devices/shared-id', { body: { platform: 'fcm', token: 'alice-token' } })
      t.equal((await call(server, 'DELETE', '/me/devices/shared-id', { sub: 'bob' })).status, 204)
      t.equal((await call(server, 'DELETE', '/me/devices/shared-id', { sub: 'bob' })).status, 204, 'again: 204')
      t.equal((await call(server, 'DELETE', '/me/devices/never-was', { sub: 'bob' })).status, 204, 'never there: 204')
      t.same(await list('bob'), [])
      t.ok(
        (await list()).some((d) => d.deviceId === 'shared-id'),
        "alice's device of the same id is kept",
      )
      t.equal((await call(server, 'DELETE', '/me/devices/x'.padEnd(80, 'x'))).status, 400, 'a bad id is refused')
    })

    t.test('a push token registered by a second user moves to them (a phone that changed hands)', async (t) => {
      await call(server, 'PUT', '/me/devices/old-phone', {
        sub: 'carol',
        body: { platform: 'fcm', token: 'handed-on' },
      })
      t.equal(
        (
          await call(server, 'PUT', '/me/devices/new-phone', {
            sub: 'dave',
            body: { platform: 'fcm', token: 'handed-on' },
          })
        ).status,
        204,
      )
      t.same(await list('carol'), [], 'carol is no longer notified on it')
      t.same(await list('dave'), [{ deviceId: 'new-phone', platform: 'fcm', token: 'handed-on' }])
      t.match(
        server.logs.filter((l) => l.event === 'device_put' || l.msg === 'device_put'),
        [{ userId: 'dave', deviceId: 'new-phone', movedFrom: { userId: 'carol', deviceId: 'old-phone' } }],
        'the move is logged',
      )
    })
  })
}

scenarios(t, 'embedded store', () => startInProcess())

const dynamo = await startDynamoDbLocal()
t.teardown(dynamo.stop)
scenarios(t, 'DynamoDB store', () => startInProcess({ env: dynamoServerEnv(dynamo.endpoint, 'devices') }))

t.test('a store that keeps no devices answers 503, not a silent loss', async (t) => {
  const server = await startInProcess({ store: new MemoryStore() })
  t.teardown(() => server.stop())
  const answer = await call(server, 'PUT', '/me/devices/p', { body: { platform: 'fcm', token: 't' } })
  t.same(answer, { status: 503, body: { error: 'unavailable', message: 'this server keeps no push devices' } })
})
