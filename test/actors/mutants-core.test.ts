// Boundaries of the room core's pure pieces that the behaviour tests do not reach: each test
// here kills mutants that `npm run mutation` found surviving (docs/guarantees.md "Test strength").
import t from 'tap'
import { utf8Length } from '../../actors/core/utf8-length.ts'
import { TokenBucket } from '../../actors/core/token-bucket.ts'
import { Presence } from '../../actors/core/presence.ts'
import { RecentBuffer } from '../../actors/core/recent-buffer.ts'
import { TypingState } from '../../actors/core/typing.ts'
import { UserQuotas } from '../../actors/core/user-quota.ts'
import { InboundGate } from '../../actors/core/inbound-gate.ts'

t.test('utf8Length agrees with TextEncoder at every boundary', async (t) => {
  const samples = [
    '',
    'a',
    '\u007f',
    '\u0080',
    '\u07ff',
    '\u0800',
    '\ud7ff',
    '\ue000',
    '\uffff',
    '\ud800\udc00',
    '\udbff\udfff',
    '\ud83d\ude00x',
    '\ud800',
    '\udbff',
    '\udc00',
    '\udfff', // lone surrogates: 3 bytes each, as U+FFFD
    '\ud800a',
    '\ud800\ud800',
    '\ud800\ue000',
    '\ud7ff\udc00',
    'x\ud800',
    '\udc00\udc00',
    '\udfff\udc00',
  ]
  const encoder = new TextEncoder()
  for (const s of samples) {
    const escaped = [...s].map((c) => c.codePointAt(0)!.toString(16)).join(' ')
    t.equal(utf8Length(s), encoder.encode(s).length, `U+${escaped}`)
  }
})

t.test('token bucket: the least retry is 1 ms, a cost over the burst is charged as the burst', async (t) => {
  const b = new TokenBucket(10, 1000, 0)
  for (let i = 0; i < 10; i++) t.same(b.take(0), { ok: true })
  t.same(b.take(0), { ok: false, retryAfterMs: 1 }, 'one token at 1000/s is 1 ms away')
  const tiny = new TokenBucket(1, 1_000_000, 0)
  tiny.take(0)
  t.same(tiny.take(0), { ok: false, retryAfterMs: 1 }, 'never 0: a client told 0 would spin')

  const big = new TokenBucket(4, 1, 0)
  t.same(big.take(0, 100), { ok: true }, 'a cost over the burst takes a full bucket')
  t.same(big.take(0), { ok: false, retryAfterMs: 1000 })
  big.refund(100)
  t.ok(big.isFull(0), 'a refund over the burst refills to the burst')
  t.same(big.take(0, 4), { ok: true })
  t.notOk(big.isFull(0), 'and no further')
})

t.test('token bucket: refunds never exceed the burst; time going back refills nothing', async (t) => {
  const b = new TokenBucket(2, 1, 1000)
  b.refund(1)
  t.same(b.take(1000), { ok: true })
  t.same(b.take(1000), { ok: true })
  t.same(b.take(1000), { ok: false, retryAfterMs: 1000 }, 'a refund into a full bucket is lost')
  t.same(b.take(0), { ok: false, retryAfterMs: 1000 }, 'a clock that went back adds no tokens')
  t.same(b.take(500), { ok: false, retryAfterMs: 500 }, 'time counts from the last update')
  t.same(b.take(1500), { ok: true })
  b.refund(2)
  t.ok(b.isFull(1500), 'refunded up to the burst')
  t.same(b.take(1500, 2), { ok: true })
  t.same(b.take(1500), { ok: false, retryAfterMs: 1000 })
})

t.test('presence: a second connection stays; no grace means offline at once; grace ends in order', async (t) => {
  const p = new Presence(100)
  t.ok(p.add('a', 1))
  t.notOk(p.add('a', 2))
  t.equal(p.remove('a', 1, 0, false), 'stays')
  t.ok(p.hasConnections('a'))
  t.same(p.connectionsOf('a'), [2])
  t.same(p.users(), ['a'])
  t.equal(p.remove('a', 2, 0, false), 'away')
  p.add('b', 3)
  t.equal(p.remove('b', 3, 50, false), 'away')
  t.equal(p.nextDeadline(), 100)
  t.same(p.expire(99), [])
  t.same(p.expire(100), ['a'])
  t.equal(p.nextDeadline(), 150)
  t.same(p.expire(149), [])
  t.same(p.expire(150), ['b'])
  const none = new Presence(0)
  none.add('a', 1)
  t.equal(none.remove('a', 1, 0, false), 'offline', 'no grace: offline now')
  t.equal(none.nextDeadline(), undefined)
})

t.test('recent buffer: an empty range is empty even when nothing is held', async (t) => {
  const b = new RecentBuffer(3)
  t.same(b.range(0, 0), [])
  t.same(b.range(5, 3), [])
})

t.test('typing: the earliest deadline whatever the order; late or early ticks', async (t) => {
  const s = new TypingState({ typingTimeoutMs: 10_000, typingThrottleMs: 2000 })
  s.start('a', 0) // expires 10 000
  s.start('b', 1000) // expires 11 000
  t.equal(s.nextDeadline(), 10_000)
  s.start('a', 3000) // refreshed: 13 000, still first in insertion order
  t.equal(s.nextDeadline(), 11_000)

  const held = new TypingState({ typingTimeoutMs: 10_000, typingThrottleMs: 2000 })
  held.start('a', 0)
  held.stop('a')
  t.notOk(held.start('a', 500), 'held back until 2000')
  t.same(held.expire(1000), { stopped: [], started: [] }, 'a tick for something else before 2000 announces nothing')
  t.same(held.expire(20_000), { stopped: [], started: [] }, 'expired before it was ever announced: no active:false')

  const throttle = new TypingState({ typingTimeoutMs: 10_000, typingThrottleMs: 2000 })
  throttle.start('a', 10_000)
  throttle.stop('a')
  t.same(throttle.expire(10_500), { stopped: [], started: [] })
  t.notOk(throttle.start('a', 10_600), 'a tick within the throttle keeps its memory')
})

t.test('user quotas: sweeps forget only full, disconnected entries, when the table has doubled', async (t) => {
  const limits = {
    userSendBurst: 2,
    userSendPerSecond: 1,
    userSendBytesBurst: 100,
    userSendBytesPerSecond: 100,
    roomCreatesPerMinute: 1,
    conversationsPerMinute: 1,
  }
  const q = new UserQuotas(limits, (u) => u === 'online')
  q.takeSend('a', 1, 0)
  q.takeSend('b', 1, 100_000)
  t.equal(q.size, 2, 'no sweep below 64 entries')
  q.takeSend('online', 1, 0)
  q.takeCreate('creator', 0)
  q.sweep(0)
  t.equal(q.size, 4, 'nothing full yet')
  q.sweep(1_000_000)
  t.equal(q.size, 1, 'full and disconnected entries are forgotten, a connected one is kept')

  const r = new UserQuotas(limits, () => false)
  for (let i = 0; i < 64; i++) r.takeSend(`u${i}`, 1, 0)
  t.equal(r.size, 64)
  r.takeSend('x', 1, 0) // the 65th sweeps, at 0 nobody is full: the next sweep waits for 128
  t.equal(r.size, 65)
  r.takeSend('y', 1, 1_000_000)
  t.equal(r.size, 66, 'below twice the size after the last sweep: no sweep')
  const s = new UserQuotas(limits, () => false)
  for (let i = 0; i < 64; i++) s.takeSend(`u${i}`, 1, 0)
  s.takeSend('x', 1, 1_000_000)
  t.equal(s.size, 1, 'at 64 entries the next one sweeps every full entry')
  s.takeSend('y', 1, 2_000_000)
  t.equal(s.size, 2, 'and the next sweep waits for 64 again')
})

t.test('inbound gate: exactly readPauseBytes queued is still read', async (t) => {
  const gate = new InboundGate(
    { frameBurst: 10, framesPerSecond: 1, readPauseBytes: 500, maxFramesWhileBacklogged: 1 },
    0,
  )
  t.equal(gate.frame(0, 500, true), 'read')
  t.equal(gate.frame(0, 501, true), 'pause')
})
