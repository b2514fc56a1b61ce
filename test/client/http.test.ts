/**
 * The client's HTTP helpers against the real server (docs/client.md "HTTP"): conversations,
 * my rooms with unread counts, read markers and posting over HTTP, dm, and refusals as
 * GuildhallErrors.
 */
import t from 'tap'
import { GuildhallError } from '../../src/client/index.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { uniq } from '../e2e/scenarios/util.ts'
import { clientFor, collect, until } from './helpers.ts'

let server: InProcess
t.before(async () => {
  server = await startInProcess()
})
t.teardown(() => server.stop())

t.test('conversations, dm, my rooms with unread counts, read over HTTP', async (t) => {
  const [ann, ben] = [uniq('ann'), uniq('ben')]
  const a = await clientFor(server, ann)
  const b = await clientFor(server, ben)
  t.teardown(() => a.close())
  t.teardown(() => b.close())
  const made = await a.http.conversation([ben])
  t.same(made.members, [ann, ben].sort())
  t.equal(made.created, true)
  const again = await b.http.conversation([ann])
  t.same(again, { ...made, created: false }, 'the pair has one conversation, whoever asks')

  const ack = await a.dm(ben, 'hello ben')
  t.equal(ack.room, made.room)
  t.equal((await a.dm(ben, 'again')).seq, 2)
  t.equal(a.room(made.room)?.state, 'joined', 'a dm joins the conversation')

  const page = await b.http.myRooms()
  const conv = page.rooms.find((r) => r.room === made.room)
  t.match(conv, { kind: 'conversation', seq: 2, lastRead: 0, unread: 2, lastMessage: { text: 'again' } })
  t.same(conv?.members, [ann, ben].sort())

  const seen = collect(a.room(made.room)!)
  const reads: number[] = []
  a.room(made.room)!.on('read', (r) => reads.push(r.seq))
  await b.http.markRead(made.room, 2)
  await until(() => reads.includes(2), 'the read marker reaches the room')
  t.match(
    (await b.http.myRooms()).rooms.find((r) => r.room === made.room),
    { unread: 0, lastRead: 2 },
  )
  t.same(seen, [])
})

t.test('post over HTTP: 201, then 200 with the original for the same id; the room gets it once', async (t) => {
  const room = uniq('post')
  const a = await clientFor(server, 'alice')
  t.teardown(() => a.close())
  const r = a.join(room)
  await r.ready
  const seen = collect(r)
  const first = await a.http.post(room, { id: 'bot-1', text: 'from a bot' })
  t.match(first, { seq: 1, created: true })
  t.same(await a.http.post(room, { id: 'bot-1', text: 'from a bot' }), { ...first, created: false })
  await until(() => seen.length === 1, 'the message')
  t.equal(seen[0]!.text, 'from a bot')
})

/** A push subscription's public key as a browser makes it: P-256, uncompressed, base64url. */
async function browserKey(): Promise<string> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])
  return Buffer.from(await crypto.subtle.exportKey('raw', pair.publicKey)).toString('base64url')
}

t.test('devices: registered and removed (idempotent); a bad body is refused', async (t) => {
  const a = await clientFor(server, uniq('dev'))
  t.teardown(() => a.close())
  await a.http.putDevice('phone-1', { platform: 'fcm', token: uniq('fcm-token'), locale: 'fr' })
  await a.http.putDevice('browser-1', {
    platform: 'webpush',
    subscription: {
      endpoint: 'https://push.example.com/s/1',
      keys: {
        p256dh: await browserKey(),
        auth: Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64url'),
      },
    },
  })
  await a.http.deleteDevice('phone-1')
  await a.http.deleteDevice('phone-1')
  const bad = await a.http.putDevice('x', { platform: 'fcm' } as never).catch((e: unknown) => e)
  t.match(bad, { code: 'invalid_request', status: 400 })
})

t.test('refusals are GuildhallErrors with the code and status', async (t) => {
  const a = await clientFor(server, 'alice')
  t.teardown(() => a.close())
  const err = await a.http.history('not a room!').catch((e: unknown) => e)
  t.ok(err instanceof GuildhallError)
  t.match(err, { code: 'invalid_room', status: 400 })
  t.match(await a.http.conversation(['alice']).catch((e: unknown) => e), { code: 'invalid_request', status: 400 })
})
