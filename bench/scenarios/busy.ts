/**
 * One busy room: 400 subscribers join one room at once (a join storm: on guildhall every join
 * announces `presence` to everyone already in, about 80,000 frames), the server's RSS growth
 * per connection is read right after the last welcome, then senders (subscribers, at most 4/s
 * each, under guildhall's 5/s per-user limit) send at rising total rates, every message
 * delivered to all 400, until a rate is not held.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { rssKB } from '../lib/proc.ts'
import { round } from '../lib/stats.ts'
import { describe, held, measureWindow } from './window.ts'
import type { WindowResult } from './window.ts'
import type { RunContext, Scenario, SystemResult } from './types.ts'

const SUBSCRIBERS = 400
const PER_SENDER = 4
const LADDER = [50, 100, 150, 200, 250, 320, 400, 500]

type Step = WindowResult & { held: boolean }

const WARM_UP = 40

/**
 * Every code path of a join and a send once, in another room, before the baseline is read: the
 * first requests compile code and fill caches (a few MB, more for a bigger server), a cost per
 * process, not per connection, which over 400 connections would read as 10-25 KB each.
 */
async function warmUp(ctx: RunContext, base: string): Promise<void> {
  const specs = (await ctx.specs(SUBSCRIBERS + WARM_UP, () => 'busy-warm-up')).slice(SUBSCRIBERS)
  const conn = await ctx.pool.connect(ctx.target.clientKind, base, specs, 20)
  if (conn.opened < WARM_UP) throw new Error(`warm-up: only ${conn.opened}/${WARM_UP} opened: ${conn.firstError}`)
  await ctx.pool.setRate(40, WARM_UP)
  await sleep(1000)
  await ctx.pool.setRate(0, 0)
  await sleep(500)
  await ctx.pool.closeAll()
  await ctx.pool.snapshot()
  await sleep(1500)
}

async function run(ctx: RunContext): Promise<SystemResult> {
  const base = `ws://${ctx.server.host}:${ctx.server.port}`
  await warmUp(ctx, base)
  const specs = await ctx.specs(SUBSCRIBERS, () => 'busy')
  const before = rssKB(ctx.server.pid)
  const t0 = performance.now()
  const conn = await ctx.pool.connect(ctx.target.clientKind, base, specs, 100)
  if (conn.opened < SUBSCRIBERS) throw new Error(`only ${conn.opened}/${SUBSCRIBERS} subscribed: ${conn.firstError}`)
  const joinSeconds = round((performance.now() - t0) / 1000)
  // "Right after all joined": the frames of the storm may still be queued; a short settle
  // lets them reach the clients, not the collector.
  await sleep(1000)
  const afterJoins = rssKB(ctx.server.pid)
  const rssPerConnKB = round((afterJoins - before) / conn.opened)
  ctx.log(
    `${SUBSCRIBERS} joined in ${joinSeconds}s: RSS ${round(before / 1024)} → ${round(afterJoins / 1024)} MB, ${rssPerConnKB} KB/conn`,
  )
  await ctx.pool.snapshot()
  const stepMs = ctx.quick ? 2000 : 5000
  const steps: Step[] = []
  for (const rate of LADDER) {
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
    joinSeconds,
    rssBeforeMB: round(before / 1024),
    rssAfterJoinsMB: round(afterJoins / 1024),
    rssPerConnKB,
    maxRateHeld: best?.rate ?? 0,
    steps,
  }
}

/** p99 at the highest rate every system held, CPU per delivery over the rates up to it, p99 per rate. */
function summarize(results: Record<string, SystemResult>): void {
  const ok = Object.values(results).filter((r) => Array.isArray(r.steps))
  if (ok.length === 0) return
  const common = Math.min(...ok.map((r) => r.maxRateHeld as number))
  for (const r of ok) {
    const steps = r.steps as Step[]
    const at = steps.find((s) => s.rate === common)
    const upTo = steps.filter((s) => s.rate <= common)
    const cpu = upTo.reduce((a, s) => a + s.cpuUs, 0)
    const delivered = upTo.reduce((a, s) => a + s.delivered, 0)
    r.commonRate = common
    if (at?.p50Ms !== undefined) r.p50Ms = at.p50Ms
    if (at?.p99Ms !== undefined) r.p99Ms = at.p99Ms
    if (delivered > 0) r.cpuUsPerDelivery = round(cpu / delivered)
    r.p99ByRate = steps.map((s) => `${s.rate}${s.held ? '' : '✗'}: ${s.p99Ms ?? '–'}`).join(', ')
  }
}

export const busy: Scenario = {
  name: 'busy',
  unit: `one room of ${SUBSCRIBERS}: rssPerConnKB = RSS growth per connection 1 s after the last welcome of a join storm (100 in flight), from a baseline read after a warm-up (${WARM_UP} connections joined, sent and closed in another room); senders at ${LADDER.join(', ')} msgs/s total (${PER_SENDER}/s each); p50Ms/p99Ms send-to-deliver at commonRate (highest rate all systems held); cpuUsPerDelivery over rates ≤ commonRate; p99ByRate (✗: not held)`,
  run,
  summarize,
}
