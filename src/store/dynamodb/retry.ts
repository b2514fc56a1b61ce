/**
 * Bounded exponential backoff with full jitter (sleep = random() * min(cap, base * 2^n)),
 * as AWS recommends for throttling: jitter spreads the retries of many rooms apart. Random and
 * sleep are injected so tests run without real time.
 */

export interface RetryPolicy {
  /** Total attempts, the first included. Past it the last error is thrown. */
  maxAttempts: number
  baseDelayMs: number
  maxDelayMs: number
  random: () => number
  sleep: (ms: number) => Promise<void>
}

export const defaultRetryPolicy: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 25,
  maxDelayMs: 1_000,
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}

/** Run `fn` until it succeeds, fails with an error `retryable` refuses, or attempts run out. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  retryable: (err: unknown) => boolean,
  policy: RetryPolicy,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (err) {
      if (attempt + 1 >= policy.maxAttempts || !retryable(err)) throw err
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
      await policy.sleep(policy.random() * ceiling)
    }
  }
}
