/**
 * Time for room logic comes only from here, so tests can run on virtual time
 * (`ManualClock` in actors/testing/manual-clock.ts) and production on the real one.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number
  /** Run `fn` once at or after `at` (epoch ms). Returns a cancel function. */
  at(at: number, fn: () => void): () => void
}

/** The process clock. Timers are unref'd so they never keep a draining process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  at(at, fn) {
    const handle = setTimeout(fn, Math.max(0, at - Date.now()))
    ;(handle as { unref?: () => void }).unref?.()
    return () => clearTimeout(handle)
  },
}
