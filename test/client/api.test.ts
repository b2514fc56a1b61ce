/**
 * The client's API against the real server over real sockets (docs/client.md): one
 * connection for many rooms, room state and events, history, async iteration, refusals, a
 * revoked membership, rate limits and storage failures retried with the same id, and tokens
 * that expire or are refused.
 */
import t from 'tap'
import { MemoryStore } from '../../actors/testing/memory-store.ts'
import { GuildhallError, type Message } from '../../src/client/index.ts'
import { startCuttingProxy } from '../support/cutting-proxy.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { admin, uniq } from '../e2e/scenarios/util.ts'
import { clientFor, collect, until } from './helpers.ts'

let server: InProcess
t.before(async () => {
  server = await startInProcess({ env: { LIMIT_SEND_BURST: '1000' } })
})
t.teardown(() => server.stop())

async function refusal(p: Promise<unknown>): Promise<GuildhallError> {
  try {
    await p
  } catch (err) {
    if (err instanceof GuildhallError) return err
    throw err
  }
  throw new Error('expected a refusal')
}

t.test('one connection carries many rooms, each with its own messages', async (t) => {
  const proxy = await startCuttingProxy(Number(new URL(server.http).port))
  t.teardown(() => proxy.close())
  const alice = await clientFor(server, 'alice', { url: proxy.http })
  const bob = await clientFor(server, 'bob')
  t.teardown(() => alice.close())
  t.teardown(() => bob.close())
  const ids = [uniq('many'), uniq('many'), uniq('many')]
  const rooms = ids.map((id) => alice.join(id))
  await Promise.all(rooms.map((r) => r.ready))
  t.equal(alice.join(ids[0]!), rooms[0], 'joining again returns the same room')
  const seen = rooms.map(collect)
  for (const [i, id] of ids.entries()) {
    const r = bob.join(id)
    await r.ready
    await r.send(`to ${i}`)
  }
  await until(() => seen.every((s) => s.length === 1), 'a message in each room')
  t.same(
    seen.map((s) => s[0]!.text),
    ['to 0', 'to 1', 'to 2'],
  )
  t.equal(proxy.accepted, 1, 'one connection')
  t.equal(alice.status, 'open')
})

t.test('presence, typing, read markers and the welcome state', async (t) => {
  const room = uniq('state')
  const alice = await clientFor(server, 'alice')
  const bob = await clientFor(server, 'bob')
  t.teardown(() => alice.close())
  t.teardown(() => bob.close())
  const a = alice.join(room)
  await a.ready
  const events: string[] = []
  a.on('presence', (p) => events.push(`presence ${p.userId} ${p.online}`))
  a.on('typing', (p) => events.push(`typing ${p.userId} ${p.active}`))
  a.on('read', (p) => events.push(`read ${p.userId} ${p.seq}`))
  const b = bob.join(room)
  const welcome = await b.ready
  t.same([...b.presence].sort(), ['alice', 'bob'])
  t.equal(welcome.user, 'bob')
  await until(() => a.presence.has('bob'), 'bob present for alice')
  b.typing()
  b.typing() // throttled: one frame
  await until(() => a.typingUsers.has('bob'), 'bob typing')
  const ack = await b.send('hi') // sending stops typing
  await until(() => !a.typingUsers.has('bob'), 'bob no longer typing')
  b.markRead(ack.seq)
  await until(() => a.reads.get('bob') === ack.seq, 'bob read')
  await until(() => b.lastRead === ack.seq, "bob's own marker")
  t.same(events, ['presence bob true', 'typing bob true', 'typing bob false', `read bob ${ack.seq}`])
  t.equal(a.seq, 1)
  // The marker survives: a new client is welcomed with it.
  const bob2 = await clientFor(server, 'bob')
  t.teardown(() => bob2.close())
  t.equal((await bob2.join(room).ready).lastRead, 1)
})

t.test('history pages and async iteration', async (t) => {
  const room = uniq('history')
  const alice = await clientFor(server, 'alice')
  t.teardown(() => alice.close())
  const a = alice.join(room)
  await a.ready
  const iterated: Message[] = []
  const reading = (async () => {
    for await (const m of a) {
      iterated.push(m)
      if (iterated.length === 4) break
    }
  })()
  for (const text of ['one', 'two', 'three', 'four']) await a.send(text)
  await reading
  t.same(
    iterated.map((m) => m.text),
    ['one', 'two', 'three', 'four'],
  )
  const newest = await a.history({ limit: 2 })
  t.same(
    newest.messages.map((m) => m.seq),
    [3, 4],
  )
  t.equal(newest.more, true)
  const older = await a.history({ before: 3, limit: 2 })
  t.same(
    older.messages.map((m) => m.text),
    ['one', 'two'],
  )
  t.equal(older.more, false)
  t.same(
    (await alice.http.history(room, { after: 3 })).messages.map((m) => m.text),
    ['four'],
  )
  // An iterator ends when the room is left.
  const it = a.messages()
  a.leave()
  t.same(await it.next(), { value: undefined, done: true })
})

t.test('refusals: too_long rejects that send only; a forbidden join rejects ready and leaves', async (t) => {
  const alice = await clientFor(server, 'alice')
  t.teardown(() => alice.close())
  const room = uniq('refuse')
  const a = alice.join(room)
  await a.ready
  const err = await refusal(a.send('x'.repeat(server.limits.maxTextLength + 1)))
  t.equal(err.code, 'too_long')
  t.equal((await a.send('fine')).seq, 1)

  const secret = uniq('private')
  t.equal((await admin(server, 'PUT', `/admin/rooms/${secret}`, { visibility: 'private' })).status, 201)
  const s = alice.join(secret)
  const left = s.once('left')
  t.equal((await refusal(s.ready)).code, 'forbidden')
  t.same(await left, { reason: 'forbidden' })
  t.equal(alice.room(secret), undefined)
  t.equal(alice.room(room), a, 'the other room stays')
})

t.test('a revoked membership ends that room only; leave rejects unanswered sends', async (t) => {
  const guild = uniq('g')
  t.equal((await admin(server, 'PUT', `/admin/guilds/${guild}/members/alice`)).status, 204)
  const alice = await clientFor(server, 'alice')
  t.teardown(() => alice.close())
  const g = alice.join(`GUILD#${guild}`)
  const other = alice.join(uniq('other'))
  await Promise.all([g.ready, other.ready])
  const left = g.once('left')
  await admin(server, 'DELETE', `/admin/guilds/${guild}/members/alice`)
  t.same(await left, { reason: 'revoked' })
  t.equal(g.state, 'left')
  t.equal((await refusal(g.send('too late'))).code, 'left')
  t.equal((await other.send('still here')).seq, 1)
})

t.test('rate_limited: sends wait retryAfterMs and go again with their ids, in order, each stored once', async (t) => {
  const limited = await startInProcess({ env: { LIMIT_SEND_BURST: '3', LIMIT_SEND_PER_SECOND: '20' } })
  t.teardown(() => limited.stop())
  const proxy = await startCuttingProxy(Number(new URL(limited.http).port))
  t.teardown(() => proxy.close())
  let refused = 0
  proxy.onFrame = (f) => {
    if (f.dir === 'down' && f.json?.type === 'error' && f.json.code === 'rate_limited') refused++
    return 'pass'
  }
  const alice = await clientFor(limited, 'alice', { url: proxy.http })
  t.teardown(() => alice.close())
  const a = alice.join(uniq('rate'))
  await a.ready
  const seen = collect(a)
  const lines = Array.from({ length: 12 }, (_, i) => `line ${i}`)
  const acks = await Promise.all(lines.map((l) => a.send(l)))
  t.ok(refused > 0, `${refused} sends refused on the way`)
  t.same(
    acks.map((x) => x.seq),
    lines.map((_, i) => i + 1),
    'acked once each, in the order sent',
  )
  await until(() => seen.length === lines.length, 'every message')
  t.same(
    seen.map((m) => m.text),
    lines,
  )
})

t.test('unavailable: a failed write is sent again with the same id and stored once', async (t) => {
  const store = new MemoryStore()
  const faulty = await startInProcess({ store })
  t.teardown(() => faulty.stop())
  const alice = await clientFor(faulty, 'alice')
  t.teardown(() => alice.close())
  const a = alice.join(uniq('unavailable'))
  await a.ready
  store.faults.failNext(2, 'append')
  const ack = await a.send('survives')
  t.equal(ack.seq, 1)
  t.same(
    (await a.history()).messages.map((m) => m.text),
    ['survives'],
  )
})

t.test('the client caps unacknowledged sends per room', async (t) => {
  const proxy = await startCuttingProxy(1) // nothing listens there: the client never connects
  t.teardown(() => proxy.close())
  const alice = await clientFor(server, 'alice', { url: proxy.http, maxUnackedSends: 3 })
  const a = alice.join(uniq('cap'))
  const waiting = [a.send('1'), a.send('2'), a.send('3')]
  t.equal((await refusal(a.send('4'))).code, 'limit_exceeded')
  t.equal(a.unacked, 3)
  alice.close()
  for (const p of waiting) t.equal((await refusal(p)).code, 'closed')
})

t.test('too far behind (recovered: false): a gap event names what was missed, live messages go on', async (t) => {
  const short = await startInProcess({ env: { LIMIT_MAX_RECOVERY: '5', LIMIT_SEND_BURST: '1000' } })
  t.teardown(() => short.stop())
  const proxy = await startCuttingProxy(Number(new URL(short.http).port))
  t.teardown(() => proxy.close())
  const bob = await clientFor(short, 'bob', { url: proxy.http })
  const alice = await clientFor(short, 'alice')
  t.teardown(() => bob.close())
  t.teardown(() => alice.close())
  const room = uniq('behind')
  const b = bob.join(room)
  const a = alice.join(room)
  await Promise.all([a.ready, b.ready])
  const seen = collect(b)
  const gaps: { after: number; through: number }[] = []
  b.on('gap', (g) => gaps.push(g))
  await a.send('seen')
  await until(() => seen.length === 1, 'the first message')
  // Bob is away while ten more are sent: more than the server replays.
  const port = proxy.upstreamPort
  proxy.upstreamPort = 1
  proxy.cutAll()
  for (let i = 0; i < 10; i++) await a.send(`missed ${i}`)
  proxy.upstreamPort = port
  await until(() => gaps.length === 1, 'the gap')
  t.same(gaps, [{ after: 1, through: 11 }])
  await a.send('live')
  await until(() => seen.length === 2, 'the live message')
  t.same(
    seen.map((m) => [m.seq, m.text]),
    [
      [1, 'seen'],
      [12, 'live'],
    ],
  )
  const page = await b.history({ after: gaps[0]!.after, limit: gaps[0]!.through - gaps[0]!.after })
  t.equal(page.messages.length, 10, 'the gap can be paged over HTTP')
})

t.test('on Node without a global WebSocket: the ws package passed as the WebSocket option', async (t) => {
  const { WebSocket } = await import('ws')
  const alice = await clientFor(server, 'alice', { WebSocket: WebSocket as never })
  t.teardown(() => alice.close())
  const r = alice.join(uniq('ws-package'))
  await r.ready
  const seen = collect(r)
  await r.send('through ws')
  await until(() => seen.length === 1, 'the message')
  t.equal(seen[0]!.text, 'through ws')
})

t.test("30 rooms on one connection: joins past the server's join rate are retried, also after a cut", async (t) => {
  const proxy = await startCuttingProxy(Number(new URL(server.http).port))
  t.teardown(() => proxy.close())
  let limited = 0
  proxy.onFrame = (f) => {
    if (f.dir === 'down' && f.json?.type === 'error' && f.json.code === 'rate_limited') limited++
    return 'pass'
  }
  const alice = await clientFor(server, 'alice', { url: proxy.http })
  t.teardown(() => alice.close())
  const rooms = Array.from({ length: 30 }, () => alice.join(uniq('thirty')))
  await Promise.all(rooms.map((r) => r.ready))
  t.ok(limited > 0, `${limited} joins refused for the rate, then retried`)
  const welcomes = rooms.map(() => 0)
  for (const [i, r] of rooms.entries()) r.on('welcome', () => welcomes[i]!++)
  proxy.cutAll()
  await until(() => welcomes.every((n) => n >= 1), 'every room joined again')
  t.ok(rooms.every((r) => r.state === 'joined'))
})
