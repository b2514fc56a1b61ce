import t from 'tap'
import { isRetryable } from './errors.ts'
import { defaultRetryPolicy, withRetry, type RetryPolicy } from './retry.ts'

const named = (name: string, extra: object = {}) => Object.assign(new Error(name), { name }, extra)

function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { slept: number[] } {
  const slept: number[] = []
  return { ...defaultRetryPolicy, random: () => 1, sleep: async (ms) => void slept.push(ms), ...overrides, slept }
}

t.test('backoff is exponential, capped, and full jitter scales it', async (t) => {
  const p = policy({ maxAttempts: 6, baseDelayMs: 10, maxDelayMs: 100 })
  let calls = 0
  const out = await withRetry(
    async () => (++calls < 6 ? Promise.reject(named('ThrottlingException')) : 'ok'),
    isRetryable,
    p,
  )
  t.equal(out, 'ok')
  t.same(p.slept, [10, 20, 40, 80, 100])

  const jittered = policy({ maxAttempts: 3, baseDelayMs: 10, random: () => 0.25 })
  await t.rejects(withRetry(() => Promise.reject(named('ThrottlingException')), isRetryable, jittered))
  t.same(jittered.slept, [2.5, 5], 'random() * ceiling; no sleep after the last attempt')
})

t.test('the bound: maxAttempts calls, then the last error', async (t) => {
  const p = policy({ maxAttempts: 3 })
  let calls = 0
  await t.rejects(
    withRetry(() => Promise.reject(named('ProvisionedThroughputExceededException', { n: ++calls })), isRetryable, p),
    { name: 'ProvisionedThroughputExceededException' },
  )
  t.equal(calls, 3)
})

t.test('errors a retry cannot fix are thrown at once', async (t) => {
  const p = policy()
  let calls = 0
  await t.rejects(
    withRetry(
      () => {
        calls++
        return Promise.reject(named('ValidationException'))
      },
      isRetryable,
      p,
    ),
  )
  t.equal(calls, 1)
  t.same(p.slept, [])
})

t.test('isRetryable', async (t) => {
  for (const name of [
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'InternalServerError',
    'TransactionConflictException',
    'TimeoutError',
    'AbortError',
  ]) {
    t.ok(isRetryable(named(name)), name)
  }
  t.ok(isRetryable(Object.assign(new Error('socket'), { code: 'ECONNRESET' })), 'network error')
  t.ok(isRetryable(named('Whatever', { $metadata: { httpStatusCode: 503 } })), '5xx')
  for (const name of [
    'ValidationException',
    'ConditionalCheckFailedException',
    'ResourceNotFoundException',
    'IdempotentParameterMismatchException',
  ]) {
    t.notOk(isRetryable(named(name)), name)
  }
  const canceled = (...codes: string[]) =>
    named('TransactionCanceledException', { CancellationReasons: codes.map((Code) => ({ Code })) })
  t.ok(isRetryable(canceled('None', 'TransactionConflict')), 'a transaction conflict clears on retry')
  t.ok(isRetryable(canceled('ThrottlingError', 'None')))
  t.notOk(isRetryable(canceled('ConditionalCheckFailed', 'TransactionConflict')), 'a failed condition does not')
  t.notOk(isRetryable('not an error'))
})
