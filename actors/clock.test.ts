// The system clock past setTimeout's 24.8-day maximum (issue 8 item 6).
import t from 'tap'
import { MAX_TIMER_DELAY_MS, systemClock, timerClock, type Timers } from './clock.ts'

const DAY = 24 * 60 * 60 * 1000

/** Timers that only record what was scheduled; `fire()` runs the earliest and moves time to it. */
function recordingTimers() {
  let time = 1_700_000_000_000
  const pending: { due: number; fn: () => void; delay: number }[] = []
  const delays: number[] = []
  const timers: Timers = {
    setTimeout(fn, delay) {
      delays.push(delay)
      const timer = { due: time + delay, fn, delay }
      pending.push(timer)
      return timer
    },
    clearTimeout(handle) {
      const i = pending.indexOf(handle as (typeof pending)[number])
      if (i >= 0) pending.splice(i, 1)
    },
  }
  return {
    timers,
    delays,
    pending,
    now: () => time,
    fire() {
      pending.sort((a, b) => a.due - b.due)
      const next = pending.shift()!
      time = next.due
      next.fn()
    },
  }
}

t.test('a deadline past 2^31-1 ms is reached through a chain of timers, none longer than that', async (t) => {
  const r = recordingTimers()
  const clock = timerClock(r.now, r.timers)
  const deadline = r.now() + 30 * DAY
  let fired = 0
  clock.at(deadline, () => fired++)
  t.ok(
    r.delays.every((d) => d <= MAX_TIMER_DELAY_MS),
    `scheduled ${r.delays[0]} ms, at most 2^31-1`,
  )
  r.fire()
  t.equal(fired, 0, 'the first link of the chain does not fire the callback')
  t.equal(r.pending.length, 1, 'it arms the next one')
  r.fire()
  t.equal(fired, 1)
  t.equal(r.now(), deadline, 'fired at the deadline')
  t.same(r.delays, [MAX_TIMER_DELAY_MS, 30 * DAY - MAX_TIMER_DELAY_MS])
})

t.test('cancel stops the chain at any link', async (t) => {
  const r = recordingTimers()
  const clock = timerClock(r.now, r.timers)
  let fired = 0
  const cancel = clock.at(r.now() + 60 * DAY, () => fired++)
  r.fire()
  cancel()
  t.equal(r.pending.length, 0)
  t.equal(fired, 0)
})

t.test('near and past deadlines are one timer, as before', async (t) => {
  const r = recordingTimers()
  const clock = timerClock(r.now, r.timers)
  clock.at(r.now() + 1_000, () => {})
  clock.at(r.now() - 5, () => {})
  t.same(r.delays, [1_000, 0])
})

t.test('systemClock: a 30-day deadline has not fired after a later short timer did', async (t) => {
  let fired = false
  const cancel = systemClock.at(Date.now() + 30 * DAY, () => (fired = true))
  t.teardown(cancel)
  // setTimeout clamps an overflowing delay to 1 ms; a timer of 20 ms armed after it runs later.
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(fired, false)
})
