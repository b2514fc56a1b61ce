// The push worker as operators run it (`npm run notifier`, a process of its own) against real
// parts: the real @aws-sdk/client-sqs on the local SQS (test/support/sqs-endpoint.ts, with a
// dead-letter queue), devices and claims in DynamoDB Local, and the local fake of Google's token
// and FCM's send endpoints (test/support/fake-fcm.ts) and a local Web Push service that checks
// the VAPID signature and decrypts what it gets (test/support/webpush-receiver.ts). Events are put on the queue as the server
// publishes them (PROTOCOL.md section 11).
import t, { type Test } from 'tap'
import type { MessageCreatedEvent } from '../../actors/events.ts'
import type { Device } from '../../src/notifier/ports.ts'
import type { DynamoStore } from '../../src/store/dynamodb/dynamodb-store.ts'
import { dropTables, openStore, uniqueTables } from '../support/dynamodb-fixtures.ts'
import { startDynamoDbLocal } from '../support/dynamodb-local.ts'
import { startFakeFcm, type FakeFcm } from '../support/fake-fcm.ts'
import { npmRun, type NpmRun } from '../support/npm.ts'
import { tempDir } from '../support/server.ts'
import { startSqsEndpoint, type SqsEndpoint } from '../support/sqs-endpoint.ts'
import { makeVapidKeys, startWebPushReceiver } from '../support/webpush-receiver.ts'

const REDRIVE = 3

const local = await startDynamoDbLocal()
const tables = uniqueTables()
const store: DynamoStore = await openStore(local.endpoint, tables)
const sqs: SqsEndpoint = await startSqsEndpoint()
const fcm: FakeFcm = await startFakeFcm()
const vapid = makeVapidKeys()
const webpush = await startWebPushReceiver({ vapidPublicKey: vapid.publicKey })
const dir = tempDir('guildhall-notifier-')
const keyFile = fcm.writeServiceAccount(dir.dir)
t.teardown(async () => {
  await fcm.close()
  await webpush.close()
  await sqs.close()
  await store.close()
  await dropTables(local.endpoint, tables)
  await local.stop()
  dir.remove()
})

let queues = 0
/** A queue with its dead-letter queue, and a notifier process consuming it. */
async function startNotifier(t: Test, env: Record<string, string> = {}): Promise<{ run: NpmRun; queue: string }> {
  const queue = `events-${++queues}`
  sqs.createQueue(`${queue}-dlq`)
  sqs.createQueue(queue, { redrive: { dlq: `${queue}-dlq`, maxReceiveCount: REDRIVE } })
  const run = npmRun('notifier', [], {
    EVENTS_QUEUE_URL: sqs.queueUrl(queue),
    AWS_ENDPOINT_URL_SQS: sqs.url,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    STORE: 'dynamodb',
    DYNAMODB_ENDPOINT: local.endpoint,
    CORE_TABLE: tables.coreTable,
    GUILD_TABLE: tables.guildTable,
    FCM_PROJECT_ID: fcm.projectId,
    GOOGLE_APPLICATION_CREDENTIALS: keyFile,
    FCM_ENDPOINT: fcm.url,
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:ops@guildhall.test',
    NOTIFIER_POLL_WAIT_SECONDS: '1',
    NOTIFIER_VISIBILITY_TIMEOUT_SECONDS: '2',
    NOTIFIER_PUSH_TIMEOUT_MS: '1000',
    ...env,
  })
  t.teardown(() => run.kill())
  await run.logged((l) => l.event === 'notifier_started')
  return { run, queue }
}

let messages = 0
function event(offline: string[], extra: Partial<MessageCreatedEvent> = {}): MessageCreatedEvent {
  const n = ++messages
  return {
    type: 'message.created',
    room: 'conv-1',
    roomType: 'general',
    seq: n,
    messageId: `msg-${n}`,
    senderId: 'alice',
    ts: Date.now(),
    text: `hello number ${n}`,
    offline,
    ...extra,
  }
}

async function publish(queue: string, e: MessageCreatedEvent | string): Promise<void> {
  const { SQSClient, SendMessageCommand } = await import('@aws-sdk/client-sqs')
  const client = new SQSClient({
    endpoint: sqs.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  })
  await client.send(
    new SendMessageCommand({
      QueueUrl: sqs.queueUrl(queue),
      MessageBody: typeof e === 'string' ? e : JSON.stringify(e),
    }),
  )
  client.destroy()
}

const device = (deviceId: string, token: string, locale?: string): Device => ({
  deviceId,
  platform: 'fcm',
  token,
  ...(locale ? { locale } : {}),
})
const deliveredTo = (messageId: string) =>
  fcm.delivered.filter((s) => (s.message.data as Record<string, string>).messageId === messageId)
const isDone = (messageId: string) => (l: Record<string, unknown>) =>
  l.event === 'event_done' && l.messageId === messageId
/** The `event_done` line of a message, once logged. */
const done = (run: NpmRun, messageId: string) => run.logged(isDone(messageId))
/** Resolves once a message's event was done `n` times (each delivery of it). */
const doneTimes = (run: NpmRun, messageId: string, n: number) =>
  run.logged(() => run.lines.filter(isDone(messageId)).length >= n)

t.test('every offline member device once, in its language; the sender and online members get nothing', async (t) => {
  const { run, queue } = await startNotifier(t)
  await store.putDevice('bob', device('bob-phone', 'tok-bob-phone'))
  await store.putDevice('bob', device('bob-tablet', 'tok-bob-tablet', 'en-GB'))
  await store.putDevice('carol', device('carol-phone', 'tok-carol', 'es-MX'))
  await store.putDevice('dave', device('dave-phone', 'tok-dave', 'fr'))
  await store.putDevice('erin', device('erin-phone', 'tok-erin'))
  await store.putDevice('alice', device('alice-phone', 'tok-alice'))
  const e = event(['bob', 'carol', 'dave'], { text: 'On se voit à 18 h ? 🎉' })
  await publish(queue, e)
  await done(run, e.messageId)
  const got = deliveredTo(e.messageId)
  t.same(got.map((s) => s.token).sort(), ['tok-bob-phone', 'tok-bob-tablet', 'tok-carol', 'tok-dave'])
  const byToken = Object.fromEntries(got.map((s) => [s.token, s.message]))
  t.match(byToken['tok-bob-phone'], {
    notification: { title: 'New message from alice', body: 'On se voit à 18 h ? 🎉' },
    data: { room: 'conv-1', seq: String(e.seq), messageId: e.messageId },
  })
  t.match(byToken['tok-carol'], { notification: { title: 'Nuevo mensaje de alice' } })
  t.match(byToken['tok-dave'], { notification: { title: 'Nouveau message de alice' } })
  t.equal(sqs.messages(queue).length, 0, 'the event was deleted')
  t.ok(
    fcm.tokenRequests.every((r) => r.accepted),
    'the fake token endpoint accepted the assertion (signature and claims)',
  )
})

t.test(
  'Web Push: the notification arrives encrypted and signed, in the device language; a gone subscription is removed',
  async (t) => {
    const { run, queue } = await startNotifier(t)
    const browser = webpush.subscribe()
    const old = webpush.subscribe()
    webpush.unsubscribe(old.endpoint) // the push service now answers 410
    await store.putDevice('kim', {
      deviceId: 'kim-browser',
      platform: 'webpush',
      subscription: browser,
      locale: 'fr-CA',
    })
    await store.putDevice('kim', { deviceId: 'kim-old-browser', platform: 'webpush', subscription: old })
    const e = event(['kim'], { text: 'x'.repeat(300) })
    await publish(queue, e)
    t.match(await done(run, e.messageId), { sent: 1, gone: 1 })
    const got = webpush.received.filter((d) => d.endpoint === browser.endpoint)
    t.equal(got.length, 1)
    t.match(got[0]?.payload, {
      title: 'Nouveau message de alice',
      body: `${'x'.repeat(119)}…`,
      data: { room: 'conv-1', seq: String(e.seq), messageId: e.messageId },
    })
    t.match(got[0]?.claims, { sub: 'mailto:ops@guildhall.test' }, 'VAPID verified by the receiver')
    t.same(
      (await store.listDevices('kim')).map((d) => d.deviceId),
      ['kim-browser'],
    )
  },
)

t.test('an event delivered twice (and once more later) pushes each device once', async (t) => {
  const { run, queue } = await startNotifier(t)
  await store.putDevice('frank', device('frank-phone', 'tok-frank'))
  await store.putDevice('frank', device('frank-watch', 'tok-frank-watch'))
  const e = event(['frank'])
  await Promise.all([publish(queue, e), publish(queue, e)])
  await doneTimes(run, e.messageId, 2)
  await publish(queue, e)
  await doneTimes(run, e.messageId, 3)
  t.equal(deliveredTo(e.messageId).length, 2, 'two devices, two pushes, three deliveries of the event')
  t.equal(sqs.messages(queue).length, 0)
})

t.test('a device its push service reports gone is removed', async (t) => {
  const { run, queue } = await startNotifier(t)
  await store.putDevice('gina', device('gina-old', 'tok-gina-old'))
  await store.putDevice('gina', device('gina-new', 'tok-gina-new'))
  fcm.script('tok-gina-old', 'unregistered')
  const e = event(['gina'])
  await publish(queue, e)
  const line = await done(run, e.messageId)
  t.match(line, { sent: 1, gone: 1 })
  t.same(
    (await store.listDevices('gina')).map((d) => d.deviceId),
    ['gina-new'],
  )
  t.same(
    deliveredTo(e.messageId).map((s) => s.token),
    ['tok-gina-new'],
  )
})

t.test('a push service that hangs: cut by the timeout, the event redelivered, one push in the end', async (t) => {
  const { run, queue } = await startNotifier(t)
  await store.putDevice('hank', device('hank-phone', 'tok-hank'))
  await store.putDevice('hank', device('hank-laptop', 'tok-hank-laptop'))
  fcm.script('tok-hank', 'hang')
  const e = event(['hank'])
  await publish(queue, e)
  await run.logged((l) => l.event === 'push_retry' && l.deviceId === 'hank-phone' && /timeout/.test(String(l.reason)))
  const line = await done(run, e.messageId)
  t.match(line, { sent: 1, duplicate: 1, receiveCount: 2 }, 'the second delivery pushed the hung device only')
  t.same(
    deliveredTo(e.messageId)
      .map((s) => s.token)
      .sort(),
    ['tok-hank', 'tok-hank-laptop'],
  )
  t.equal(fcm.sends.filter((s) => s.token === 'tok-hank').length, 2, 'the hung try and the good one')
})

t.test(
  'an event that keeps failing reaches the dead-letter queue after the redrive limit; so does a malformed one',
  async (t) => {
    const { run, queue } = await startNotifier(t)
    await store.putDevice('ivan', device('ivan-phone', 'tok-ivan'))
    fcm.alwaysAnswer('tok-ivan', 'unavailable')
    const e = event(['ivan'])
    await publish(queue, e)
    await publish(queue, '{"type":"message.created","room":"r"}')
    await run.logged((l) => l.event === 'event_retry' && l.messageId === e.messageId && l.receiveCount === REDRIVE)
    await run.logged((l) => l.event === 'event_malformed' && l.receiveCount === REDRIVE)
    // SQS moves a message on the receive after its last one, once it is visible again.
    while (sqs.messages(`${queue}-dlq`).length < 2) {
      const seen = sqs.calls.length
      await sqs.waitForCall((c) => c.action === 'ReceiveMessage' && c.queue === queue && sqs.calls.indexOf(c) >= seen)
    }
    const dead = sqs.messages(`${queue}-dlq`).map((m) => m.body)
    t.ok(dead.includes(JSON.stringify(e)), 'the failing event is in the DLQ')
    t.ok(dead.includes('{"type":"message.created","room":"r"}'), 'the malformed one too')
    t.equal(deliveredTo(e.messageId).length, 0)
    t.equal(fcm.sends.filter((s) => s.token === 'tok-ivan').length, REDRIVE, 'one try per delivery')
  },
)

t.test('SIGTERM: no more polling, the push in flight finishes, its event is deleted, exit 0', async (t) => {
  const { run, queue } = await startNotifier(t, { PORT: '0', NOTIFIER_PUSH_TIMEOUT_MS: '5000' })
  await store.putDevice('judy', device('judy-phone', 'tok-judy'))
  fcm.slowMs = 1500 // within the push timeout, and long enough to see the worker stopping meanwhile
  fcm.script('tok-judy', 'slow')
  const e = event(['judy'])
  const before = fcm.sends.length
  const started = await run.logged((l) => l.event === 'notifier_started')
  const health = `http://127.0.0.1:${started.healthPort}/health`
  t.equal((await fetch(health)).status, 200, 'GET /health answers while polling')
  await publish(queue, e)
  await fcm.waitForSends(before + 1)
  process.kill(run.pgid, 'SIGTERM')
  await run.logged((l) => l.event === 'stop_start')
  t.equal((await fetch(health)).status, 503, 'and 503 once stopping')
  const later = event(['judy'])
  await publish(queue, later)
  t.equal(await run.exited, 0)
  t.ok(
    run.lines.some((l) => l.event === 'event_done' && l.messageId === e.messageId),
    'the event in hand was finished',
  )
  t.equal(deliveredTo(e.messageId).length, 1, 'its push was delivered')
  t.ok(run.lines.some((l) => l.event === 'stop_done'))
  t.same(
    sqs.messages(queue).map((m) => m.body),
    [JSON.stringify(later)],
    'the event sent after SIGTERM is left on the queue',
  )
  t.equal(deliveredTo(later.messageId).length, 0)
})

t.test('the image command (node src/notifier/main.ts) refuses a bad configuration by name, exit 1', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['src/notifier/main.ts'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
    })
  const embedded = run({ EVENTS_QUEUE_URL: sqs.queueUrl('events-1') })
  t.equal(embedded.status, 1)
  t.match(embedded.stderr, /STORE: the push worker needs STORE=dynamodb/)
  const noKey = run({
    EVENTS_QUEUE_URL: sqs.queueUrl('events-1'),
    STORE: 'dynamodb',
    FCM_PROJECT_ID: 'my-app',
    GOOGLE_APPLICATION_CREDENTIALS: '/nonexistent/key.json',
  })
  t.equal(noKey.status, 1)
  t.match(noKey.stderr, /GOOGLE_APPLICATION_CREDENTIALS: cannot read \/nonexistent\/key.json/)
  t.match(noKey.stdout, /"event":"config_invalid"/)
})
