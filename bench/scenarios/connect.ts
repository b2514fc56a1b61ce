/** Connect storm: WebSocket connections opened per second, each with its own JWT, until welcomed. */
import { cpuMicros } from '../lib/proc.ts'
import { latency, round } from '../lib/stats.ts'
import type { RunContext, Scenario, SystemResult } from './types.ts'

const ROOMS = 100
const CONCURRENCY = 128

async function run(ctx: RunContext): Promise<SystemResult> {
  const n = ctx.quick ? 1000 : 10000
  const specs = await ctx.specs(n, (i) => `storm-${i % ROOMS}`)
  const cpu0 = cpuMicros(ctx.server.pid)
  const t0 = performance.now()
  const conn = await ctx.pool.connect(
    ctx.target.clientKind,
    `ws://${ctx.server.host}:${ctx.server.port}`,
    specs,
    CONCURRENCY,
  )
  const seconds = (performance.now() - t0) / 1000
  const cpuUs = cpuMicros(ctx.server.pid) - cpu0
  const lat = latency(conn.latenciesMs)
  const result = {
    connections: n,
    opened: conn.opened,
    failed: conn.failed,
    connsPerSec: Math.round(conn.opened / seconds),
    p50Ms: lat.p50Ms,
    p99Ms: lat.p99Ms,
    cpuUsPerConn: round(cpuUs / Math.max(1, conn.opened)),
    ...(conn.firstError ? { firstError: conn.firstError } : {}),
  }
  ctx.log(
    `${conn.opened}/${n} opened in ${seconds.toFixed(2)}s: ${result.connsPerSec}/s, p50 ${lat.p50Ms}ms p99 ${lat.p99Ms}ms, ${result.cpuUsPerConn}µs CPU/conn`,
  )
  if (conn.opened < n * 0.99) throw new Error(`only ${conn.opened}/${n} opened: ${conn.firstError}`)
  return result
}

export const connect: Scenario = {
  name: 'connect',
  unit: `connsPerSec: connections opened and welcomed per second (${CONCURRENCY} in flight, one JWT each); p50Ms/p99Ms connect-to-welcome`,
  run,
}
