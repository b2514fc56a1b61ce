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

/**
 * The longest delay `setTimeout` honours (2^31-1 ms, 24.8 days): a longer one overflows and
 * fires at once, on Node and Deno alike, so a far deadline (a token valid for a month) is
 * reached through a chain of timers no longer than this.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1

/** The part of the host's timer API the system clock needs; injectable for its tests. */
export interface Timers {
  setTimeout(fn: () => void, delayMs: number): unknown
  clearTimeout(handle: unknown): void
}

const hostTimers: Timers = {
  setTimeout: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** A clock on real time and the given timers. Timers are unref'd so they never keep a draining process alive. */
export function timerClock(now: () => number, timers: Timers): Clock {
  return {
    now,
    at(at, fn) {
      let handle: unknown
      const arm = (): void => {
        const delay = at - now()
        if (delay > MAX_TIMER_DELAY_MS) handle = timers.setTimeout(arm, MAX_TIMER_DELAY_MS)
        else handle = timers.setTimeout(fn, Math.max(0, delay))
        ;(handle as { unref?: () => void } | null)?.unref?.()
      }
      arm()
      return () => timers.clearTimeout(handle)
    },
  }
}

/** The process clock. */
export const systemClock: Clock = timerClock(() => Date.now(), hostTimers)
