/**
 * The client never loses or duplicates (docs/client.md "Guarantees"): a TCP proxy between the
 * client and the real server cuts the connection at chosen moments, and each time every
 * message is delivered once, in seq order, and every send is acknowledged once, with the
 * message stored once.
 */
import t, { type Test } from 'tap'
import type { Ack, GuildhallClient, Message } from '../../src/client/index.ts'
import { startCuttingProxy, type CuttingProxy, type ProxiedFrame, type Verdict } from '../support/cutting-proxy.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { http, uniq } from '../e2e/scenarios/util.ts'
import { clientFor, collect, until } from './helpers.ts'

let server: InProcess
// Past the send rate: these tests are about cuts (rate limits have their own test).
t.before(async () => {
  server = await startInProcess({ env: { LIMIT_SEND_BURST: '1000', LIMIT_FRAME_BURST: '1000' } })
})
t.teardown(() => server.stop())

async function proxied(t: Test): Promise<CuttingProxy> {
  const proxy = await startCuttingProxy(Number(new URL(server.http).port))
  t.teardown(() => proxy.close())
  return proxy
}

/** Cuts when `pred` matches the `nth` time (1-based), then passes everything. */
function cutAt(pred: (f: ProxiedFrame) => boolean, nths: number[], verdict: Verdict): (f: ProxiedFrame) => Verdict {
  let count = 0
  return (f) => (pred(f) && nths.includes(++count) ? verdict : 'pass')
}

const isUp = (type: string) => (f: ProxiedFrame) => f.dir === 'up' && f.json?.type === type
const isDown = (type: string) => (f: ProxiedFrame) => f.dir === 'down' && f.json?.type === type

/** Every message once, in seq order 1..n, with the texts sent each once. */
function checkDelivered(t: Test, seen: Message[], texts: string[]) {
  t.same(
    seen.map((m) => m.seq),
    texts.map((_, i) => i + 1),
    'seqs 1..n, each once, in order',
  )
  t.same(seen.map((m) => m.text).sort(), [...texts].sort(), 'each text once')
}

/** Every send acknowledged once, with distinct seqs, and the server stored each text once. */
async function checkAcked(t: Test, room: string, acks: Ack[], texts: string[]) {
  t.equal(acks.length, texts.length, 'one ack per send')
  t.equal(new Set(acks.map((a) => a.seq)).size, texts.length, 'distinct seqs')
  const token = await server.token({ sub: 'reader' })
  const stored: string[] = []
  for (let more = true; more; ) {
    const page = await http(server, 'GET', `/rooms/${room}/messages?after=${stored.length}&limit=100`, { token })
    stored.push(...(page.body!.messages as Message[]).map((m) => m.text))
    more = page.body!.more === true
  }
  stored.sort()
  t.same(stored, [...texts].sort(), 'stored once each')
}

/** `sender` sends every text (all in flight at once); resolves with the acks, in send order. */
function sendAll(client: GuildhallClient, room: string, texts: string[]): Promise<Ack[]> {
  const r = client.room(room)!
  return Promise.all(texts.map((text) => r.send(text)))
}

const texts = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}-${i}`)

t.test('cut mid-send: the half-sent frames are resent with their ids, stored and acked once', async (t) => {
  const room = uniq('mid-send')
  const proxy = await proxied(t)
  proxy.onFrame = cutAt(isUp('send'), [3, 9, 15], 'cut-mid')
  const sender = await clientFor(server, 'alice', { url: proxy.http })
  const reader = await clientFor(server, 'bob')
  t.teardown(() => sender.close())
  t.teardown(() => reader.close())
  const s = sender.join(room)
  const r = reader.join(room)
  await Promise.all([s.ready, r.ready])
  const seen = collect(r)
  const all = texts(20, 'm')
  const acks = await sendAll(sender, room, all)
  await until(() => seen.length >= all.length, 'every message')
  t.equal(proxy.cuts, 3)
  checkDelivered(t, seen, all)
  await checkAcked(t, room, acks, all)
})

t.test('cut between message and ack: the resend gets the original ack, nothing twice', async (t) => {
  const room = uniq('msg-ack')
  const proxy = await proxied(t)
  proxy.onFrame = cutAt(isDown('ack'), [2, 6, 7], 'cut-before')
  const sender = await clientFor(server, 'alice', { url: proxy.http })
  t.teardown(() => sender.close())
  const s = sender.join(room)
  await s.ready
  const own = collect(s)
  const all = texts(12, 'a')
  const acks = await sendAll(sender, room, all)
  await until(() => own.length >= all.length, 'every message')
  t.equal(proxy.cuts, 3)
  checkDelivered(t, own, all)
  await checkAcked(t, room, acks, all)
  t.same(
    acks.map((a) => a.seq),
    own.filter((m) => m.senderId === 'alice').map((m) => m.seq),
    'acks in send order',
  )
})

t.test('cut mid-replay: the next join resumes from the last seq delivered', async (t) => {
  const room = uniq('replay')
  const proxy = await proxied(t)
  const reader = await clientFor(server, 'bob', { url: proxy.http })
  const sender = await clientFor(server, 'alice')
  t.teardown(() => sender.close())
  t.teardown(() => reader.close())
  const r = reader.join(room)
  const s = sender.join(room)
  await Promise.all([r.ready, s.ready])
  const seen = collect(r)
  const welcomes: unknown[] = []
  r.on('welcome', (w) => welcomes.push(w))
  // The reader is away (its server unreachable) while 40 messages are sent.
  const port = proxy.upstreamPort
  proxy.upstreamPort = 1
  proxy.cutAll()
  const all = texts(40, 'r')
  await sendAll(sender, room, all.slice(0, 40))
  // Back, and cut twice in the middle of the replay.
  proxy.onFrame = cutAt(isDown('message'), [10, 25], 'cut-after')
  proxy.upstreamPort = port
  await until(() => seen.length >= all.length, 'the whole replay')
  t.ok(proxy.cuts >= 3)
  checkDelivered(t, seen, all)
  t.ok(welcomes.length >= 3, 'welcomed again after each cut')
  t.ok(
    welcomes.every((w) => (w as { recovered?: boolean }).recovered === true),
    'recovered each time',
  )
})

t.test('cuts anywhere, both ways, while two users talk: once, in order, acked once', async (t) => {
  const room = uniq('chaos')
  const pa = await proxied(t)
  const pb = await proxied(t)
  // Break each connection every 17th (alice) or 23rd (bob) frame through it, whatever it is.
  let na = 0
  let nb = 0
  const kinds: Verdict[] = ['cut-before', 'cut-mid', 'cut-after']
  pa.onFrame = () => (++na % 17 === 0 ? kinds[na % 3]! : 'pass')
  pb.onFrame = () => (++nb % 23 === 0 ? kinds[nb % 3]! : 'pass')
  const alice = await clientFor(server, 'alice', { url: pa.http })
  const bob = await clientFor(server, 'bob', { url: pb.http })
  t.teardown(() => alice.close())
  t.teardown(() => bob.close())
  const a = alice.join(room)
  const b = bob.join(room)
  await Promise.all([a.ready, b.ready])
  const seenA = collect(a)
  const seenB = collect(b)
  const fromA = texts(60, 'alice')
  const fromB = texts(60, 'bob')
  const acks: Ack[] = []
  // Each sends in bursts of 5, the next burst when the previous one is acked.
  const talk = async (room: typeof a, lines: string[]) => {
    for (let i = 0; i < lines.length; i += 5)
      acks.push(...(await Promise.all(lines.slice(i, i + 5).map((l) => room.send(l)))))
  }
  await Promise.all([talk(a, fromA), talk(b, fromB)])
  const all = [...fromA, ...fromB]
  await until(() => seenA.length >= all.length && seenB.length >= all.length, 'every message on both')
  t.ok(pa.cuts + pb.cuts >= 8, `cut ${pa.cuts + pb.cuts} times`)
  checkDelivered(t, seenA, all)
  checkDelivered(t, seenB, all)
  await checkAcked(t, room, acks, all)
})

t.test(
  'frames repeated on the way (messages, acks, welcomes): each message delivered once, each send acked once',
  async (t) => {
    const room = uniq('twice')
    const proxy = await proxied(t)
    let n = 0
    proxy.onFrame = (f) => (f.dir === 'down' && ++n % 3 === 0 ? 'twice' : 'pass')
    const alice = await clientFor(server, 'alice', { url: proxy.http })
    t.teardown(() => alice.close())
    const a = alice.join(room)
    await a.ready
    const seen = collect(a)
    const all = texts(15, 't')
    const acks = await sendAll(alice, room, all)
    await until(() => seen.length >= all.length, 'every message')
    await new Promise((resolve) => setTimeout(resolve, 50))
    checkDelivered(t, seen, all)
    await checkAcked(t, room, acks, all)
  },
)
