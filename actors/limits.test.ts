import t from 'tap'
import { defaultLimits, resolveLimits } from './limits.ts'

t.test('protocol defaults', async (t) => {
  t.equal(defaultLimits.maxTextLength, 4000)
  t.equal(defaultLimits.maxFrameBytes, 32768)
  t.equal(defaultLimits.sendBurst, 10)
  t.equal(defaultLimits.sendPerSecond, 5)
  t.equal(defaultLimits.maxRefusals, 50)
  t.equal(defaultLimits.refusalWindowMs, 10_000)
})

t.test('overrides keep the other defaults', async (t) => {
  const l = resolveLimits({ sendBurst: 3 })
  t.equal(l.sendBurst, 3)
  t.equal(l.sendPerSecond, 5)
})
