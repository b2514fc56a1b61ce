// The FCM HTTP v1 transport against the local fake of Google's token and FCM's send endpoints
// (test/support/fake-fcm.ts): the JWT bearer grant checked with the key's public half, one token
// shared by concurrent sends, refreshed before expiry and after a 401, and every answer class.
import t, { type Test } from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { classifyFcmAnswer } from '../../src/notifier/fcm-answers.ts'
import { createFcmSender } from '../../src/notifier/fcm.ts'
import type { PushNotification } from '../../src/notifier/ports.ts'
import { createTokenSource } from '../../src/notifier/google-token.ts'
import { parseServiceAccount, readServiceAccount } from '../../src/notifier/service-account.ts'
import { tempDir } from '../support/server.ts'
import { startFakeFcm } from '../support/fake-fcm.ts'

const note: PushNotification = { title: 'Alice', body: 'hello', data: { room: 'r1', seq: '3', messageId: 'm3' } }

async function setup(t: Test, opts: { timeoutMs?: number; now?: () => number } = {}) {
  const fake = await startFakeFcm()
  const dir = tempDir('guildhall-fcm-')
  t.teardown(async () => {
    await fake.close()
    dir.remove()
  })
  const account = readServiceAccount(fake.writeServiceAccount(dir.dir))
  const tokens = createTokenSource({ account, now: opts.now })
  const fcm = createFcmSender({
    projectId: fake.projectId,
    tokens,
    endpoint: fake.url,
    timeoutMs: opts.timeoutMs ?? 5_000,
  })
  return { fake, fcm, tokens, account }
}

t.test('a send: a token by the JWT bearer grant, then the message as FCM v1 expects it', async (t) => {
  const { fake, fcm } = await setup(t)
  t.same(await fcm.send('device-a', note), { ok: true })
  t.same(fake.tokenRequests, [{ accepted: true }], 'the fake checked the assertion signature and claims')
  t.equal(fake.delivered.length, 1)
  t.match(fake.delivered[0]?.message, {
    token: 'device-a',
    notification: { title: 'Alice', body: 'hello' },
    data: { room: 'r1', seq: '3', messageId: 'm3' },
    android: { collapse_key: 'm3' },
    apns: { headers: { 'apns-collapse-id': 'm3' } },
  })
  t.match(fake.delivered[0]?.authorization, /^Bearer fake-access-1$/)
})

t.test('concurrent sends share one token fetch; the token is reused until shortly before it expires', async (t) => {
  let now = Date.now()
  const { fake, fcm } = await setup(t, { now: () => now })
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => fcm.send(`d${i}`, note)))
  t.ok(answers.every((a) => a.ok))
  t.equal(fake.tokenRequests.length, 1, 'one token request for 20 concurrent sends')
  now += 50 * 60_000 // 50 of the token's 60 minutes
  await fcm.send('d', note)
  t.equal(fake.tokenRequests.length, 1, 'still cached')
  now += 6 * 60_000 // within 5 minutes of expiry
  await fcm.send('d', note)
  t.equal(fake.tokenRequests.length, 2, 'refreshed before it expired')
})

t.test('a 401 (token revoked) fetches a new token once and sends again', async (t) => {
  const { fake, fcm } = await setup(t)
  await fcm.send('d', note)
  fake.revokeTokens()
  t.same(await fcm.send('d', note), { ok: true })
  t.equal(fake.tokenRequests.length, 2)
  t.equal(fake.delivered.length, 2)
})

t.test('a token endpoint that refuses the key: retryable, nothing sent', async (t) => {
  const { fake } = await setup(t)
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' })
  const account = parseServiceAccount(
    { client_email: fake.clientEmail, private_key: other, token_uri: fake.tokenUri },
    'test key',
  )
  const fcm = createFcmSender({
    projectId: fake.projectId,
    tokens: createTokenSource({ account }),
    endpoint: fake.url,
    timeoutMs: 5_000,
  })
  const answer = await fcm.send('d', note)
  t.match(answer, {
    ok: false,
    gone: false,
    retryable: true,
    reason: /fcm token: token request answered 400 invalid_grant/,
  })
  t.match(fake.tokenRequests, [{ accepted: false, reason: /signature/ }])
  t.equal(fake.sends.length, 0)
})

t.test('answers: gone, retryable or permanent', async (t) => {
  const { fake, fcm } = await setup(t)
  const cases = [
    ['unregistered', { ok: false, gone: true, retryable: false }],
    ['invalid-token', { ok: false, gone: true, retryable: false }],
    ['invalid-payload', { ok: false, gone: false, retryable: false }],
    ['unavailable', { ok: false, gone: false, retryable: true }],
    ['rate-limited', { ok: false, gone: false, retryable: true }],
    ['internal', { ok: false, gone: false, retryable: true }],
  ] as const
  for (const [answer, expected] of cases) {
    fake.script(`tok-${answer}`, answer)
    t.match(await fcm.send(`tok-${answer}`, note), expected, answer)
  }
})

t.test('a send that hangs is cut by the timeout and is retryable', async (t) => {
  const { fake, fcm } = await setup(t, { timeoutMs: 300 })
  fake.script('slow', 'hang')
  t.match(await fcm.send('slow', note), { ok: false, gone: false, retryable: true, reason: /timeout/ })
  t.same(await fcm.send('slow', note), { ok: true }, 'the next try goes through')
})

t.test('an unreachable endpoint is retryable', async (t) => {
  const { fake, tokens } = await setup(t)
  const fcm = createFcmSender({ projectId: fake.projectId, tokens, endpoint: 'http://127.0.0.1:9', timeoutMs: 2_000 })
  t.match(await fcm.send('d', note), { ok: false, gone: false, retryable: true })
})

t.test('classification reads the codes, not the HTTP status alone', async (t) => {
  t.match(
    classifyFcmAnswer(403, { error: { status: 'PERMISSION_DENIED', details: [{ errorCode: 'SENDER_ID_MISMATCH' }] } }),
    {
      gone: true,
    },
  )
  t.match(classifyFcmAnswer(403, { error: { status: 'PERMISSION_DENIED' } }), { gone: false, retryable: true })
  t.match(
    classifyFcmAnswer(400, {
      error: { status: 'INVALID_ARGUMENT', details: [{ fieldViolations: [{ field: 'message.token' }] }] },
    }),
    { gone: true },
  )
  t.match(classifyFcmAnswer(502, undefined), { retryable: true, reason: 'fcm 502 HTTP_502' })
})

t.test('a key file without the fields the transport needs is refused by name', async (t) => {
  t.throws(() => parseServiceAccount({ client_email: 'a', token_uri: 'b' }, 'k.json'), /k.json has no private_key/)
  t.throws(
    () => parseServiceAccount({ client_email: 'a', token_uri: 'b', private_key: 'x' }, 'k.json'),
    /not a PKCS#8 PEM key/,
  )
  t.throws(() => readServiceAccount('/nonexistent/key.json'), /cannot read/)
})
