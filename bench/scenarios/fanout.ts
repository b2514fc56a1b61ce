/**
 * Fan-out: one room, 1,000 subscribers, the offered send rate stepped up until delivery
 * falls behind. Senders are subscribers sending at most 4/s each (under guildhall's
 * 5/s per-user limit), so every message is delivered to all 1,000.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { round } from '../lib/stats.ts'
import { describe, held, measureWindow } from './window.ts'
import type { WindowResult } from './window.ts'
import type { RunContext, Scenario, SystemResult } from './types.ts'

const SUBSCRIBERS = 1000
const PER_SENDER = 4
const LADDER = [5, 10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400, 500, 700, 1000]
const QUICK_LADDER = [10, 20, 40, 60, 80, 120, 160, 250, 400, 700, 1000]

async function run(ctx: RunContext): Promise<SystemResult> {
  const specs = await ctx.specs(SUBSCRIBERS, () => 'fanout')
  const t0 = performance.now()
  const conn = await ctx.pool.connect(ctx.target.clientKind, `ws://${ctx.server.host}:${ctx.server.port}`, specs, 100)
  if (conn.opened < SUBSCRIBERS) throw new Error(`only ${conn.opened}/${SUBSCRIBERS} subscribed: ${conn.firstError}`)
  const subscribeSeconds = round((performance.now() - t0) / 1000)
  ctx.log(`${SUBSCRIBERS} subscribed in ${subscribeSeconds}s`)
  await sleep(ctx.quick ? 500 : 1000)
  await ctx.pool.snapshot()
  const stepMs = ctx.quick ? 1500 : 6000
  const steps: (WindowResult & { held: boolean })[] = []
  for (const rate of ctx.quick ? QUICK_LADDER : LADDER) {
    const senders = Math.min(SUBSCRIBERS, Math.ceil(rate / PER_SENDER))
    const w = await measureWindow(ctx, { rate, senders, fanout: SUBSCRIBERS, ms: stepMs })
    const ok = held(w)
    steps.push({ ...w, held: ok })
    ctx.log(`${ok ? 'held  ' : 'behind'} ${describe(w)}`)
    if (!ok) break
  }
  const best = steps.filter((s) => s.held).at(-1)
  return {
    subscribers: SUBSCRIBERS,
    subscribeSeconds,
    maxRateHeld: best?.rate ?? 0,
    msgsPerSec: best?.msgsPerSec ?? 0,
    steps,
  }
}

/** Latency at the highest rate every system held, and CPU per delivery over all rates every system held. */
function summarize(results: Record<string, SystemResult>): void {
  const ok = Object.values(results).filter((r) => Array.isArray(r.steps))
  if (ok.length === 0) return
  const common = Math.min(...ok.map((r) => r.maxRateHeld as number))
  for (const r of ok) {
    const steps = r.steps as (WindowResult & { held: boolean })[]
    const at = steps.find((s) => s.rate === common) ?? steps[0]
    const upTo = steps.filter((s) => s.rate <= Math.max(common, steps[0]?.rate ?? 0))
    const cpu = upTo.reduce((a, s) => a + s.cpuUs, 0)
    const delivered = upTo.reduce((a, s) => a + s.delivered, 0)
    r.commonRate = at?.rate
    if (at?.p50Ms !== undefined) r.p50Ms = at.p50Ms
    if (at?.p99Ms !== undefined) r.p99Ms = at.p99Ms
    if (delivered > 0) r.cpuUsPerDelivery = round(cpu / delivered)
  }
}

export const fanout: Scenario = {
  name: 'fanout',
  unit: 'msgsPerSec: deliveries/s at the highest offered rate held; p50Ms/p99Ms: send-to-deliver at commonRate (highest rate all systems held); cpuUsPerDelivery: server CPU µs per delivery over rates ≤ commonRate',
  run,
  summarize,
}
