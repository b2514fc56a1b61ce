/**
 * One measured sending window, shared by fanout and rooms: offered rate for a fixed time,
 * a short grace for in-flight deliveries, then a drain so the next window starts clean.
 * Server CPU is read from /proc over the window plus grace.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { cpuMicros } from '../lib/proc.ts'
import { latency, round } from '../lib/stats.ts'
import type { RunContext } from './types.ts'

export interface WindowResult {
  rate: number
  sentPerSec: number
  msgsPerSec: number
  deliveredRatio: number
  p50Ms?: number
  p99Ms?: number
  cpuUs: number
  delivered: number
  cpuUsPerDelivery?: number
  /** The load generator's own CPU (all its threads) per delivery, to show who saturates first. */
  generatorCpuUsPerDelivery?: number
  errors: number
  lagged: number
  firstError?: string
}

const GRACE_MS = 300

export async function measureWindow(
  ctx: RunContext,
  opts: { rate: number; senders: number; fanout: number; ms: number },
): Promise<WindowResult> {
  const { pool, server } = ctx
  await pool.sampleEvery(Math.max(1, Math.floor((opts.rate * opts.fanout * opts.ms) / 1000 / 5000)))
  await pool.snapshot()
  const cpu0 = cpuMicros(server.pid)
  const gen0 = process.cpuUsage()
  const t0 = performance.now()
  if (ctx.profileWindows) process.kill(server.pid, 'SIGUSR2')
  await pool.setRate(opts.rate, opts.senders)
  await sleep(opts.ms)
  await pool.setRate(0, 0)
  const sendSeconds = (performance.now() - t0) / 1000
  await sleep(GRACE_MS)
  if (ctx.profileWindows) process.kill(server.pid, 'SIGUSR2')
  const snap = await pool.snapshot()
  const cpuUs = cpuMicros(server.pid) - cpu0
  const gen = process.cpuUsage(gen0)
  await drain(ctx)
  const exit = server.exitInfo()
  if (exit) throw new Error(`server ${exit}`)
  const lat = latency(snap.samplesMs)
  return {
    rate: opts.rate,
    sentPerSec: Math.round(snap.sent / sendSeconds),
    msgsPerSec: Math.round(snap.delivered / sendSeconds),
    deliveredRatio: round(snap.delivered / Math.max(1, snap.sent * opts.fanout), 4) ?? 0,
    ...(lat.p50Ms !== undefined ? { p50Ms: lat.p50Ms } : {}),
    ...(lat.p99Ms !== undefined ? { p99Ms: lat.p99Ms } : {}),
    cpuUs: Math.round(cpuUs),
    delivered: snap.delivered,
    ...(snap.delivered > 0 ? { cpuUsPerDelivery: round(cpuUs / snap.delivered) } : {}),
    ...(snap.delivered > 0 ? { generatorCpuUsPerDelivery: round((gen.user + gen.system) / snap.delivered) } : {}),
    errors: snap.errors,
    lagged: snap.lagged,
    ...(snap.firstError ? { firstError: snap.firstError } : {}),
  }
}

/** Waits until deliveries stop arriving (at most 10 s), so a backlog does not leak into the next window. */
async function drain(ctx: RunContext): Promise<void> {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    await sleep(250)
    if ((await ctx.pool.snapshot()).delivered === 0) return
  }
}

/** Held: the generator sent ≥90% of the offered rate, ≥97% was delivered within the window plus grace, p99 under 1 s. */
export function held(w: WindowResult): boolean {
  return w.sentPerSec >= 0.9 * w.rate && w.deliveredRatio >= 0.97 && (w.p99Ms ?? Infinity) < 1000
}

export function describe(w: WindowResult): string {
  return (
    `offered ${w.rate}/s sent ${w.sentPerSec}/s → delivered ${w.msgsPerSec}/s (${(w.deliveredRatio * 100).toFixed(1)}%) ` +
    `p50 ${w.p50Ms ?? '-'}ms p99 ${w.p99Ms ?? '-'}ms cpu ${w.cpuUsPerDelivery ?? '-'}µs/delivery (generator ${w.generatorCpuUsPerDelivery ?? '-'})` +
    (w.errors ? ` errors ${w.errors} (${w.firstError ?? ''})` : '') +
    (w.lagged ? ` generator lagged ${w.lagged}` : '')
  )
}
