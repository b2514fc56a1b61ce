/**
 * At most `max` tasks running at once; the others wait in arrival order. The worker runs every
 * push (claim, send, release) through one, so a burst of events with many offline devices is
 * at most `maxConcurrentPushes` HTTP requests to the push services and the store.
 */
export interface Limiter {
  run<T>(task: () => Promise<T>): Promise<T>
  /** Tasks running now. */
  readonly active: number
}

export function createLimiter(max: number): Limiter {
  if (!(max >= 1)) throw new RangeError(`a limiter needs max >= 1, got ${max}`)
  let active = 0
  const waiting: (() => void)[] = []
  // A finished task hands its slot straight to the next waiter, so a task arriving in between
  // cannot take it too.
  const release = () => {
    const next = waiting.shift()
    if (next) next()
    else active--
  }
  return {
    get active() {
      return active
    },
    async run(task) {
      if (active >= max) await new Promise<void>((resolve) => waiting.push(resolve))
      else active++
      try {
        return await task()
      } finally {
        release()
      }
    },
  }
}
