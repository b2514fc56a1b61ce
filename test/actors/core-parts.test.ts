// The pure pieces of the room core, on explicit time.
import t from 'tap'
import { IdempotencyWindow } from '../../actors/core/idempotency.ts'
import { RecentBuffer } from '../../actors/core/recent-buffer.ts'
import { RefusalCounter } from '../../actors/core/refusals.ts'
import { TokenBucket } from '../../actors/core/token-bucket.ts'
import { TypingState } from '../../actors/core/typing.ts'
import { outboundDecision } from '../../actors/room-connection.ts'

const msg = (seq: number, ts = seq) => ({
  id: `m${seq}`,
  seq,
  roomId: 'r',
  senderId: 'u',
  text: 't',
  ts,
  clientId: `c${seq}`,
})

t.test('token bucket refills continuously and refunds', async (t) => {
  const b = new TokenBucket(2, 5, 0)
  t.same(b.take(0), { ok: true })
  t.same(b.take(0), { ok: true })
  t.same(b.take(0), { ok: false, retryAfterMs: 200 })
  t.same(b.take(100), { ok: false, retryAfterMs: 100 })
  t.same(b.take(200), { ok: true })
  b.refund()
  t.same(b.take(200), { ok: true })
  t.notOk(b.isFull(200))
  t.ok(b.isFull(600))
})

t.test('refusal counter slides its window', async (t) => {
  const c = new RefusalCounter(2, 1000)
  t.notOk(c.record(0))
  t.notOk(c.record(500))
  t.ok(c.record(999))
  t.notOk(new RefusalCounter(2, 1000).record(0))
  const d = new RefusalCounter(2, 1000)
  d.record(0)
  d.record(1)
  t.notOk(d.record(1001), 'old refusals leave the window')
})

t.test('typing: throttle, expiry, deadline', async (t) => {
  const s = new TypingState({ typingTimeoutMs: 10_000, typingThrottleMs: 2000 })
  t.ok(s.start('a', 0))
  t.notOk(s.start('a', 1999))
  t.equal(s.nextDeadline(), 11_999)
  t.ok(s.start('a', 2000))
  t.same(s.expire(11_999), { stopped: [], started: [] })
  t.same(s.expire(12_000), { stopped: ['a'], started: [] })
  t.equal(s.nextDeadline(), undefined)
  t.notOk(s.stop('a'), 'already expired')
})

t.test('typing: a start held back by the throttle is announced when it allows', async (t) => {
  const s = new TypingState({ typingTimeoutMs: 10_000, typingThrottleMs: 2000 })
  t.ok(s.start('a', 0))
  t.ok(s.stop('a'))
  t.notOk(s.start('a', 500), 'within 2 s of the last active:true')
  t.same(s.users(), [], 'not announced, so not listed')
  t.equal(s.nextDeadline(), 2000)
  t.same(s.expire(2000), { stopped: [], started: ['a'] })
  t.same(s.users(), ['a'])
  t.ok(s.start('b', 0))
  t.ok(s.stop('b'))
  t.notOk(s.start('b', 100))
  t.notOk(s.stop('b'), 'a held-back start stopped before its turn: no active:false, nothing was announced')
  t.same(s.expire(3000), { stopped: [], started: [] }, 'and it is never announced')
})

t.test('recent buffer serves only contiguous ranges it holds', async (t) => {
  const b = new RecentBuffer(3)
  b.push([1, 2, 3, 4].map((n) => msg(n)))
  t.equal(b.first(), 2)
  t.same(
    b.range(1, 4)?.map((m) => m.seq),
    [2, 3, 4],
  )
  t.equal(b.range(0, 4), undefined, 'seq 1 was trimmed')
  t.same(b.range(4, 4), [])
  t.equal(b.range(3, 5), undefined, 'seq 5 is not held')
  b.push([msg(9)])
  t.equal(b.first(), 9, 'a gap restarts the buffer')
})

t.test('idempotency window forgets by ts', async (t) => {
  const w = new IdempotencyWindow(1000)
  w.remember(msg(1, 0))
  w.remember(msg(2, 500))
  t.match(w.find('u', 'c1', 999), { seq: 1 })
  t.equal(w.find('u', 'c1', 1000), undefined)
  w.prune(1000)
  t.equal(w.size, 1)
})

t.test('outbound policy: drop droppables past soft, close past hard', async (t) => {
  const l = { softOutboundBytes: 10, hardOutboundBytes: 20 }
  t.equal(outboundDecision(5, true, l), 'send')
  t.equal(outboundDecision(11, true, l), 'drop')
  t.equal(outboundDecision(11, false, l), 'send')
  t.equal(outboundDecision(21, false, l), 'close')
})
