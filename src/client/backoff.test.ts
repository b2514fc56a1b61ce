import t from 'tap'
import { backoffDelay, defaultBackoff } from './backoff.ts'

t.test('delays double from initialDelayMs up to maxDelayMs; jitter takes at most its fraction off', async (t) => {
  const o = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 }
  t.same(
    [0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, o, () => 0)),
    [100, 200, 400, 800, 1000, 1000],
  )
  t.same(
    [0, 1, 4].map((n) => backoffDelay(n, o, () => 1)),
    [50, 100, 500],
  )
  t.equal(
    backoffDelay(2, { ...o, jitter: 0 }, () => 0.9),
    400,
    'no jitter: the exact delay',
  )
  t.equal(
    backoffDelay(2, { ...o, jitter: 1 }, () => 0.25),
    300,
    'full jitter',
  )
  t.equal(
    backoffDelay(1_000, defaultBackoff, () => 0),
    defaultBackoff.maxDelayMs,
    'no overflow',
  )
})
