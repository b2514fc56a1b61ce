// Boundaries of the room core's pure pieces that the behaviour tests do not reach: each test
// here kills mutants that `npm run mutation` found surviving (docs/guarantees.md "Test strength").
import t from 'tap'
import { utf8Length } from '../../actors/core/utf8-length.ts'
import { TokenBucket } from '../../actors/core/token-bucket.ts'

t.test('utf8Length agrees with TextEncoder at every boundary', async (t) => {
  const samples = [
    '', 'a', '\u007f', '\u0080', '\u07ff', '\u0800', '\ud7ff', '\ue000', '\uffff',
    '\ud800\udc00', '\udbff\udfff', '\ud83d\ude00x',
    '\ud800', '\udbff', '\udc00', '\udfff', // lone surrogates: 3 bytes each, as U+FFFD
    '\ud800a', '\ud800\ud800', '\ud800\ue000', '\ud7ff\udc00', 'x\ud800',
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
