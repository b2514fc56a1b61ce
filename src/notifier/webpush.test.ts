/**
 * The Web Push transport against the local push service (test/support/webpush-receiver.ts),
 * which verifies the VAPID signature and decrypts every body with node:crypto; and the
 * encryption against RFC 8291's own example, byte for byte.
 */
import t, { type Test } from 'tap'
import { createECDH } from 'node:crypto'
import { makeVapidKeys, startWebPushReceiver, decryptAes128gcm } from '../../test/support/webpush-receiver.ts'
import { fromBase64url } from './base64url.ts'
import type { Device, PushNotification } from './ports.ts'

type WebPushDevice = Extract<Device, { platform: 'webpush' }>
import { loadVapid } from './vapid.ts'
import { classifyWebPushAnswer, createWebPushTransport } from './webpush.ts'
import { encryptAes128gcm, MAX_PAYLOAD_BYTES } from './webpush-encrypt.ts'

const b = (s: string) => fromBase64url(s)!

// RFC 8291 Appendix A.
const RFC = {
  plaintext: 'When I grow up, I want to be a watermelon',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  asPublic: 'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8',
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  auth: 'BTBZMqHH6r4Tts7J_aSIgg',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  body: 'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
}

t.test('the encryption reproduces RFC 8291 Appendix A byte for byte', async (t) => {
  const pub = b(RFC.asPublic)
  const jwk = {
    kty: 'EC',
    crv: 'P-256',
    x: Buffer.from(pub.subarray(1, 33)).toString('base64url'),
    y: Buffer.from(pub.subarray(33)).toString('base64url'),
  }
  const algorithm = { name: 'ECDH', namedCurve: 'P-256' }
  const serverKeys = {
    privateKey: await crypto.subtle.importKey('jwk', { ...jwk, d: RFC.asPrivate }, algorithm, true, ['deriveBits']),
    publicKey: await crypto.subtle.importKey('jwk', jwk, algorithm, true, []),
  }
  const body = await encryptAes128gcm(
    new TextEncoder().encode(RFC.plaintext),
    { p256dh: b(RFC.uaPublic), auth: b(RFC.auth) },
    { salt: b(RFC.salt), serverKeys },
  )
  t.equal(Buffer.from(body).toString('base64url'), RFC.body)
  // And the receiver's own decryption (node:crypto) reads the RFC's body back.
  const ecdh = createECDH('prime256v1')
  ecdh.setPrivateKey(Buffer.from(RFC.uaPrivate, 'base64url'))
  const plain = decryptAes128gcm(Buffer.from(RFC.body, 'base64url'), {
    ecdh,
    publicKey: Buffer.from(RFC.uaPublic, 'base64url'),
    auth: Buffer.from(RFC.auth, 'base64url'),
  })
  t.equal(plain.toString(), RFC.plaintext)
})

const vapidKeys = makeVapidKeys()
const vapid = { ...vapidKeys, subject: 'mailto:ops@example.com' }
const note: PushNotification = {
  title: 'Alice',
  body: 'Lunch at 1? ¿Sí? 🍉',
  data: { room: 'dm-1', seq: '7', messageId: 'msg-42' },
}

async function setup(t: Test, opts: { timeoutMs?: number; fetch?: typeof fetch } = {}) {
  const rx = await startWebPushReceiver({ vapidPublicKey: vapidKeys.publicKey })
  t.teardown(() => rx.close())
  const transport = await createWebPushTransport({ vapid, ...opts })
  const device = (): WebPushDevice => ({ deviceId: 'browser', platform: 'webpush', subscription: rx.subscribe() })
  return { rx, transport, device }
}

t.test('a notification arrives decrypted, signed with VAPID for the push service origin', async (t) => {
  const { rx, transport, device } = await setup(t)
  const d = device()
  t.same(await transport.send(d, note), { ok: true })
  t.equal(rx.rejected.length, 0, 'nothing refused')
  t.equal(rx.received.length, 1)
  const got = rx.received[0]!
  t.same(got.payload, note, 'the device reads the notification as sent')
  t.equal(got.endpoint, d.subscription.endpoint)
  t.equal(got.claims.aud, rx.url, 'aud is the push service origin')
  t.equal(got.claims.sub, 'mailto:ops@example.com')
  t.same(
    { ttl: got.headers.ttl, urgency: got.headers.urgency, enc: got.headers.contentEncoding },
    { ttl: '86400', urgency: 'normal', enc: 'aes128gcm' },
  )
  t.match(got.headers.topic, /^[A-Za-z0-9_-]{32}$/, 'a topic from the message id')
  t.same(await transport.send(d, note), { ok: true }, 'a second send')
  t.equal(rx.received.length, 2)
})

t.test('gone, retryable and permanent answers', async (t) => {
  const { rx, transport, device } = await setup(t)
  const d = device()
  const endpoint = d.subscription.endpoint
  rx.unsubscribe(endpoint)
  t.match(await transport.send(d, note), { ok: false, gone: true, retryable: false, reason: /410/ })
  const unknown: Device = { ...d, subscription: { ...d.subscription, endpoint: `${rx.url}/push/nope` } }
  t.match(await transport.send(unknown, note), { ok: false, gone: true, retryable: false, reason: /404/ })
  const live = device()
  for (const [status, want] of [
    [429, { gone: false, retryable: true }],
    [500, { gone: false, retryable: true }],
    [503, { gone: false, retryable: true }],
    [400, { gone: false, retryable: false }],
    [413, { gone: false, retryable: false }],
    [301, { gone: false, retryable: false }],
  ] as const) {
    rx.answer(status)
    t.match(await transport.send(live, note), { ok: false, ...want, reason: new RegExp(String(status)) }, `${status}`)
  }
  t.same(await transport.send(live, note), { ok: true }, 'and then it works')
  t.equal(rx.received.length, 1)
})

t.test('a push service that hangs is cut by the timeout: retryable', async (t) => {
  const { rx, transport, device } = await setup(t, { timeoutMs: 300 })
  const d = device()
  rx.answer('hang')
  t.match(await transport.send(d, note), { ok: false, gone: false, retryable: true, reason: /timeout/ })
  t.same(await transport.send(d, note), { ok: true }, 'the next send goes through')
})

t.test('an unreachable push service is retryable', async (t) => {
  const { rx, transport, device } = await setup(t)
  const d = device()
  await rx.close()
  t.match(await transport.send(d, note), { ok: false, retryable: true })
})

t.test('another VAPID key than the subscription was made with is refused (401, permanent)', async (t) => {
  const { rx, device } = await setup(t)
  const other = await createWebPushTransport({ vapid: { ...makeVapidKeys(), subject: 'mailto:x@example.com' } })
  t.match(await other.send(device(), note), { ok: false, gone: false, retryable: false, reason: /401/ })
  t.match(rx.rejected, [{ status: 401, reason: /application server key/ }])
})

t.test('what is never sent: other platforms, non-https endpoints, bad keys, oversized payloads', async (t) => {
  const { rx, transport, device } = await setup(t)
  const d = device()
  const fcm: Device = { deviceId: 'p', platform: 'fcm', token: 't' }
  t.match(await transport.send(fcm, note), { ok: false, retryable: false, reason: /not a Web Push device/ })
  const http = { ...d, subscription: { ...d.subscription, endpoint: 'http://push.example.com/x' } }
  t.match(await transport.send(http, note), { ok: false, retryable: false, reason: /https/ })
  const badKeys = {
    ...d,
    subscription: { ...d.subscription, keys: { p256dh: 'AAAA', auth: d.subscription.keys.auth } },
  }
  t.match(await transport.send(badKeys, note), { ok: false, retryable: false, reason: /keys/ })
  const offCurve = Buffer.alloc(65, 1)
  offCurve[0] = 4
  const offKeys = {
    ...d,
    subscription: { ...d.subscription, keys: { ...d.subscription.keys, p256dh: offCurve.toString('base64url') } },
  }
  t.match(await transport.send(offKeys, note), { ok: false, retryable: false, reason: /keys/ }, 'a point off the curve')
  const big = { ...note, body: 'x'.repeat(MAX_PAYLOAD_BYTES) }
  t.match(await transport.send(d, big), { ok: false, retryable: false, reason: /payload/ })
  t.equal(rx.requests, 0, 'no request reached the push service')
})

t.test('one VAPID JWT per push service origin while it is fresh', async (t) => {
  const seen: string[] = []
  const counting: typeof fetch = (input, init) => {
    seen.push(String((init?.headers as Record<string, string> | undefined)?.authorization))
    return fetch(input, init)
  }
  let clock = 1_700_000_000_000
  const rx = await startWebPushReceiver({ vapidPublicKey: vapidKeys.publicKey, now: () => clock })
  t.teardown(() => rx.close())
  const transport = await createWebPushTransport({ vapid, fetch: counting, now: () => clock })
  const d: Device = { deviceId: 'x', platform: 'webpush', subscription: rx.subscribe() }
  await transport.send(d, note)
  await transport.send(d, note)
  clock += 11.5 * 3600 * 1000
  await transport.send(d, note)
  t.equal(seen.length, 3)
  t.equal(seen[0], seen[1], 'reused')
  t.not(seen[2], seen[1], 'renewed within its last hour')
  t.equal(rx.received.length, 3, 'each verified')
})

t.test('VAPID keys are checked at start', async (t) => {
  const other = makeVapidKeys()
  await t.rejects(loadVapid({ ...vapid, privateKey: other.privateKey }), /not the private half/)
  await t.rejects(loadVapid({ ...vapid, publicKey: 'AAAA' }), /VAPID_PUBLIC_KEY/)
  await t.rejects(loadVapid({ ...vapid, privateKey: 'AAAA' }), /VAPID_PRIVATE_KEY/)
  await t.rejects(loadVapid({ ...vapid, subject: 'ops@example.com' }), /VAPID_SUBJECT/)
})

t.test('answers classified', async (t) => {
  t.same(classifyWebPushAnswer(201), { ok: true })
  t.same(classifyWebPushAnswer(410, 'x'), { ok: false, gone: true, retryable: false, reason: 'webpush 410: x' })
  t.same(classifyWebPushAnswer(403).ok, false)
})
