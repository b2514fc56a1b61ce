// The push worker's decisions without sockets: one event's pushes (claims, gone devices, retries,
// skipped platforms), the limiter's bound, the notification's words, and the poll loop (delete
// when done, leave otherwise, stop). The real parts are in test/e2e/notifier.test.ts.
import t from 'tap'
import { deliverEvent, type DeliverDeps } from '../../src/notifier/deliver.ts'
import type { PushEvent } from '../../src/notifier/event.ts'
import { parseEvent } from '../../src/notifier/event.ts'
import { createLimiter } from '../../src/notifier/limiter.ts'
import { cutText, languageOf, notificationTitle } from '../../src/notifier/notification-text.ts'
import { notifierDefaults } from '../../src/notifier/options.ts'
import type { Device, DeviceStore, PushNotification, PushResult, PushTransport } from '../../src/notifier/ports.ts'
import { createWorker } from '../../src/notifier/worker.ts'
import type { PolledQueue, QueueMessage } from '../../src/events/sqs-queue.ts'
import { createMemoryLogger } from '../support/memory-logger.ts'

/** Devices and claims in memory, with a switch to make calls fail. */
function memoryDevices(initial: Record<string, Device[]>) {
  const devices = new Map(Object.entries(initial).map(([u, ds]) => [u, [...ds]]))
  const claims = new Set<string>()
  const fail = { claim: false, list: false, remove: false }
  const store: DeviceStore & { claims: Set<string>; fail: typeof fail; devices: typeof devices } = {
    claims,
    fail,
    devices,
    async putDevice(userId, device) {
      devices.set(userId, [...(devices.get(userId) ?? []).filter((d) => d.deviceId !== device.deviceId), device])
      return { evicted: [] }
    },
    async deleteDevice(userId, deviceId) {
      if (fail.remove) throw new Error('store down')
      devices.set(
        userId,
        (devices.get(userId) ?? []).filter((d) => d.deviceId !== deviceId),
      )
    },
    async listDevices(userId) {
      if (fail.list) throw new Error('store down')
      return devices.get(userId) ?? []
    },
    async claimPush(messageId, userId, deviceId) {
      if (fail.claim) throw new Error('store down')
      const key = `${messageId}/${userId}/${deviceId}`
      if (claims.has(key)) return false
      claims.add(key)
      return true
    },
    async releasePush(messageId, userId, deviceId) {
      claims.delete(`${messageId}/${userId}/${deviceId}`)
    },
  }
  return store
}

/** A transport that records sends and answers from a per-device script (then ok). */
function scriptedTransport() {
  const sent: { device: string; notification: PushNotification }[] = []
  const scripts = new Map<string, PushResult[]>()
  const transport: PushTransport & { sent: typeof sent; script(d: string, ...r: PushResult[]): void } = {
    sent,
    script(device, ...results) {
      scripts.set(device, results)
    },
    async send(device, notification) {
      const result = scripts.get(device.deviceId)?.shift() ?? { ok: true }
      if (result.ok) sent.push({ device: device.deviceId, notification })
      return result
    },
  }
  return transport
}

const fcm = (deviceId: string, locale?: string): Device => ({
  deviceId,
  platform: 'fcm',
  token: `tok-${deviceId}`,
  ...(locale ? { locale } : {}),
})
const web = (deviceId: string): Device => ({
  deviceId,
  platform: 'webpush',
  subscription: { endpoint: `https://push.example/${deviceId}`, keys: { p256dh: 'p', auth: 'a' } },
})

const event: PushEvent = {
  type: 'message.created',
  room: 'c1',
  seq: 7,
  messageId: 'm7',
  senderId: 'alice',
  text: 'hello there',
  offline: ['bob', 'carol'],
}

function deps(devices: DeviceStore, transports: DeliverDeps['transports']) {
  const logger = createMemoryLogger()
  const d: DeliverDeps = {
    devices,
    transports,
    limiter: createLimiter(4),
    logger,
    options: { maxBodyLength: 120, maxSenderNameLength: 64 },
  }
  return { d, logger }
}

t.test('every device of every offline member once; a duplicate event sends nothing', async (t) => {
  const store = memoryDevices({ bob: [fcm('b1'), fcm('b2', 'es-MX')], carol: [fcm('c1', 'fr')], alice: [fcm('a1')] })
  const push = scriptedTransport()
  const { d } = deps(store, { fcm: push })
  const first = await deliverEvent(d, { ...event, offline: ['bob', 'carol', 'alice', 'bob'] })
  t.same(first, { retry: false, counts: { sent: 3, duplicate: 0, gone: 0, failed: 0, skipped: 0, retry: 0 } })
  t.same(push.sent.map((s) => s.device).sort(), ['b1', 'b2', 'c1'], 'not the sender, each device once')
  const byDevice = Object.fromEntries(push.sent.map((s) => [s.device, s.notification]))
  t.same(byDevice.b1, {
    title: 'New message from alice',
    body: 'hello there',
    data: { room: 'c1', seq: '7', messageId: 'm7' },
  })
  t.equal(byDevice.b2?.title, 'Nuevo mensaje de alice')
  t.equal(byDevice.c1?.title, 'Nouveau message de alice')
  const again = await deliverEvent(d, event)
  t.same(again.counts.duplicate, 3)
  t.equal(push.sent.length, 3, 'nothing sent twice')
})

t.test('gone devices are removed; permanent failures logged; the event is done', async (t) => {
  const store = memoryDevices({ bob: [fcm('b1'), fcm('b2')] })
  const push = scriptedTransport()
  push.script('b1', { ok: false, gone: true, retryable: false, reason: 'fcm 404 UNREGISTERED' })
  push.script('b2', { ok: false, gone: false, retryable: false, reason: 'fcm 400 INVALID_ARGUMENT' })
  const { d, logger } = deps(store, { fcm: push })
  const result = await deliverEvent(d, event)
  t.same(result.retry, false)
  t.same(
    store.devices.get('bob')?.map((x) => x.deviceId),
    ['b2'],
  )
  t.same(logger.lines.map((l) => `${l.level} ${l.event} ${l.deviceId}`).sort(), [
    'error push_failed b2',
    'info push_device_gone b1',
  ])
})

t.test('a retryable failure releases the claim: the redelivery pushes that device only', async (t) => {
  const store = memoryDevices({ bob: [fcm('b1'), fcm('b2')] })
  const push = scriptedTransport()
  push.script('b2', { ok: false, gone: false, retryable: true, reason: 'fcm timeout' })
  const { d } = deps(store, { fcm: push })
  t.same((await deliverEvent(d, event)).retry, true)
  t.same(
    push.sent.map((s) => s.device),
    ['b1'],
  )
  t.notOk(store.claims.has('m7/bob/b2'), 'claim released')
  const again = await deliverEvent(d, event)
  t.same(again, { retry: false, counts: { sent: 1, duplicate: 1, gone: 0, failed: 0, skipped: 0, retry: 0 } })
  t.same(push.sent.map((s) => s.device).sort(), ['b1', 'b2'])
})

t.test('a platform without configuration is skipped with a log line; store failures retry', async (t) => {
  const store = memoryDevices({ bob: [fcm('b1'), web('w1')] })
  const push = scriptedTransport()
  const { d, logger } = deps(store, { fcm: push })
  t.same((await deliverEvent(d, event)).counts, { sent: 1, duplicate: 0, gone: 0, failed: 0, skipped: 1, retry: 0 })
  t.same(logger.lines.map((l) => `${l.event} ${l.deviceId}`).sort(), ['push_sent b1', 'push_skipped w1'])
  store.fail.list = true
  t.same((await deliverEvent(d, { ...event, messageId: 'm8' })).retry, true)
  store.fail.list = false
  store.fail.claim = true
  t.same((await deliverEvent(d, { ...event, messageId: 'm8' })).retry, true)
  t.equal(push.sent.length, 1, 'nothing sent without a claim')
})

t.test('a gone device that cannot be removed keeps the event for a retry', async (t) => {
  const store = memoryDevices({ bob: [fcm('b1')] })
  const push = scriptedTransport()
  push.script('b1', { ok: false, gone: true, retryable: false, reason: 'gone' })
  store.fail.remove = true
  const { d } = deps(store, { fcm: push })
  t.same((await deliverEvent(d, event)).retry, true)
  t.notOk(store.claims.has('m7/bob/b1'))
})

t.test('the limiter never runs more than its max at once', async (t) => {
  const limiter = createLimiter(3)
  let active = 0
  let peak = 0
  await Promise.all(
    Array.from({ length: 30 }, () =>
      limiter.run(async () => {
        active++
        peak = Math.max(peak, active)
        await new Promise((r) => setImmediate(r))
        active--
      }),
    ),
  )
  t.equal(peak, 3)
  t.equal(limiter.active, 0)
})

t.test('notification words: language by locale, text cut on a grapheme boundary', async (t) => {
  t.equal(languageOf('es-MX'), 'es')
  t.equal(languageOf('FR_ca'), 'fr')
  t.equal(languageOf('de'), 'en')
  t.equal(languageOf(undefined), 'en')
  t.equal(notificationTitle('Zoé', 'fr'), 'Nouveau message de Zoé')
  t.equal(cutText('short', 10), 'short')
  t.equal(cutText('abcdefghijk', 10), 'abcdefghi…')
  const family = '👨‍👩‍👧' // one grapheme, five code points
  t.equal(cutText(`ab${family}cdefgh`, 6), 'ab…', 'the family is not split')
  const accented = 'e\u0301'.repeat(6) // é as e + combining accent: two code points each
  t.equal(cutText(accented, 6), 'e\u0301e\u0301…')
  t.ok([...cutText('x'.repeat(500), notifierDefaults.maxBodyLength)].length <= notifierDefaults.maxBodyLength)
})

t.test('events: malformed ones named, other types recognised', async (t) => {
  t.match(parseEvent('nope'), { kind: 'malformed', problem: 'not JSON' })
  t.match(parseEvent(JSON.stringify({ ...event, offline: 'bob' })), { kind: 'malformed', problem: /offline/ })
  t.match(parseEvent(JSON.stringify({ type: 'room.renamed' })), { kind: 'other', type: 'room.renamed' })
  t.match(parseEvent(JSON.stringify({ ...event, roomType: 'general', ts: 1 })), { kind: 'push', event: { seq: 7 } })
})

/** A queue in memory: `push` adds a message, receive waits for one or for the abort. */
function memoryQueue() {
  const visible: QueueMessage[] = []
  const deleted: string[] = []
  let wake: (() => void) | undefined
  let n = 0
  const queue: PolledQueue & { push(body: string): void; deleted: string[]; visible: QueueMessage[] } = {
    deleted,
    visible,
    push(body) {
      visible.push({ id: `q${++n}`, receipt: `r${n}`, body, receiveCount: 1 })
      wake?.()
    },
    async receive({ max, signal }) {
      while (visible.length === 0) {
        if (signal.aborted) return []
        await new Promise<void>((resolve) => {
          wake = resolve
          signal.addEventListener('abort', () => resolve(), { once: true })
        })
      }
      return visible.splice(0, max)
    },
    async delete(message) {
      deleted.push(message.id)
    },
    async setVisibility() {},
  }
  return queue
}

t.test('the loop: done events deleted, retried and malformed ones left; stop finishes what is in hand', async (t) => {
  const queue = memoryQueue()
  const logger = createMemoryLogger()
  let releaseHeld: (() => void) | undefined
  const worker = createWorker({
    queue,
    logger,
    options: notifierDefaults,
    async deliver(e) {
      if (e.messageId === 'held') await new Promise<void>((r) => (releaseHeld = r))
      const retry = e.messageId === 'flaky'
      return { retry, counts: { sent: 1, duplicate: 0, gone: 0, failed: 0, skipped: 0, retry: retry ? 1 : 0 } }
    },
  })
  const running = worker.run()
  queue.push(JSON.stringify(event))
  queue.push(JSON.stringify({ ...event, messageId: 'flaky' }))
  queue.push('{"type":"message.created"}')
  queue.push(JSON.stringify({ type: 'member.removed' }))
  queue.push(JSON.stringify({ ...event, messageId: 'held' }))
  while (worker.inFlight > 1 || logger.lines.length < 4) await new Promise((r) => setImmediate(r))
  t.same(queue.deleted.sort(), ['q1', 'q4'], 'the done event and the other type')
  let stopped = false
  const stopping = worker.stop().then(() => (stopped = true))
  await new Promise((r) => setTimeout(r, 20))
  t.notOk(stopped, 'stop waits for the event in hand')
  releaseHeld?.()
  await stopping
  await running
  t.same(queue.deleted.sort(), ['q1', 'q4', 'q5'], 'the held event finished and was deleted')
  t.same(logger.lines.map((l) => `${l.sqsMessageId} ${l.event}`).sort(), [
    'q1 event_done',
    'q2 event_retry',
    'q3 event_malformed',
    'q4 event_ignored',
    'q5 event_done',
  ])
})

t.test('device lists and pushes together stay within the limiter', async (t) => {
  const users = Array.from({ length: 30 }, (_, i) => `u${i}`)
  const store = memoryDevices(Object.fromEntries(users.map((u) => [u, [fcm(`${u}-a`), fcm(`${u}-b`)]])))
  let active = 0
  let peak = 0
  const track =
    <A extends unknown[], R>(f: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      active++
      peak = Math.max(peak, active)
      try {
        await new Promise((r) => setImmediate(r))
        return await f(...a)
      } finally {
        active--
      }
    }
  store.listDevices = track(store.listDevices.bind(store))
  const push = scriptedTransport()
  const send = push.send.bind(push)
  push.send = track(send)
  const { d } = deps(store, { fcm: push })
  const result = await deliverEvent(d, { ...event, offline: users })
  t.equal(result.counts.sent, 60)
  t.ok(peak <= 4, `at most the limiter's 4 store reads and sends at once (peak ${peak})`)
})
