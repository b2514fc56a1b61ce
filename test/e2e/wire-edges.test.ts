/**
 * Wrong answers at the edges of the wire contract (issue 8 items 6, 7, 8), over real sockets:
 * a long-lived token, idempotency keys that a separator would confuse, and ids counted in
 * code points.
 */
import t, { type Test } from 'tap'
import { Client, is } from '../support/client.ts'
import { startChild, startInProcess, type Target } from '../support/server.ts'
import { http, uniq } from './scenarios/util.ts'

const DAY_S = 24 * 60 * 60

async function monthLongToken(t: Test, s: Target) {
  const token = await s.token({ sub: 'alice', exp: Math.floor(Date.now() / 1000) + 30 * DAY_S })
  const c = await Client.open(`${s.ws}/ws/rooms/${uniq('month')}`, { token })
  await c.take(is('welcome'))
  // Before the fix the expiry timer overflowed setTimeout and closed the socket with 4401 at once.
  c.send({ type: 'ping' })
  const first = await Promise.race([c.take(is('pong')).then(() => 'pong'), c.closed.then((x) => `closed ${x.code}`)])
  t.equal(first, 'pong', 'no 4401')
  if (first !== 'pong') return
  c.send({ type: 'ping' })
  await c.take(is('pong'))
  t.equal(c.ws.readyState, c.ws.OPEN, 'still open')
  await c.close()
  t.equal((await c.closed).code, 1000, 'closed by the client, not by an expiry (4401)')
}

t.test('a token valid for 30 days: welcome, then ping and pong, and the socket stays open', async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  await monthLongToken(t, s)
  t.notOk(s.logs.some((l) => l.event === 'ws_close' && l.code === 4401))
})

t.test('the same under Deno', async (t) => {
  const s = await startChild({ runtime: 'deno' })
  t.teardown(() => s.stop())
  await monthLongToken(t, s)
})

t.test('users a and a\\0b sending ids b\\0c and c: two acks, two messages', async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  const room = uniq('nul')
  const a = await Client.open(`${s.ws}/ws/rooms/${room}`, { token: await s.token({ sub: 'a' }) })
  await a.take(is('welcome'))
  const ab = await Client.open(`${s.ws}/ws/rooms/${room}`, { token: await s.token({ sub: 'a\u0000b' }) })
  await ab.take(is('welcome'))
  a.send({ type: 'send', id: 'b\u0000c', text: 'from a' })
  const first = await a.take(is('ack', { id: 'b\u0000c' }))
  ab.send({ type: 'send', id: 'c', text: 'from a-nul-b' })
  const second = await ab.take(is('ack', { id: 'c' }))
  t.equal(first.seq, 1)
  t.equal(second.seq, 2, 'the second sender gets its own ack')
  t.not(second.messageId, first.messageId)
  const page = await http(s, 'GET', `/rooms/${room}/messages`, { token: await s.token({ sub: 'a' }) })
  t.same(
    (page.body as { messages: { senderId: string; text: string }[] }).messages.map((m) => [m.senderId, m.text]),
    [
      ['a', 'from a'],
      ['a\u0000b', 'from a-nul-b'],
    ],
  )
  await a.close()
  await ab.close()
})

t.test('send.id is 1..64 code points: 33 emoji are accepted, 65 refused with the id echoed', async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  const c = await Client.open(`${s.ws}/ws/rooms/${uniq('emoji')}`, { token: await s.token({ sub: 'alice' }) })
  await c.take(is('welcome'))
  const ok = '😀'.repeat(33)
  c.send({ type: 'send', id: ok, text: 'hi' })
  t.match(await c.take(is('ack', { id: ok })), { seq: 1 }, '33 emoji (66 UTF-16 units) is a valid id')
  const full = '😀'.repeat(64)
  c.send({ type: 'send', id: full, text: 'hi' })
  t.match(await c.take(is('ack', { id: full })), { seq: 2 }, '64 emoji too')
  const over = '😀'.repeat(65)
  c.send({ type: 'send', id: over, text: 'hi' })
  t.match(await c.take(is('error')), { code: 'invalid_frame', ref: over })
  const far = '😀'.repeat(200)
  c.send({ type: 'send', id: far, text: 'hi' })
  t.match(await c.take(is('error')), { code: 'invalid_frame', ref: far }, 'ref echoed up to 256 code points')
  await c.close()
})
