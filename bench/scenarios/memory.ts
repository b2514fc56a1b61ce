/** Memory: server RSS (whole process tree) per idle connection, before vs after 10,000 connections. */
import { setTimeout as sleep } from 'node:timers/promises'
import { rssKB } from '../lib/proc.ts'
import { round } from '../lib/stats.ts'
import type { RunContext, Scenario, SystemResult } from './types.ts'

const CONNECTIONS = 10000
const QUICK_CONNECTIONS = 2000
const ROOMS = 100

async function run(ctx: RunContext): Promise<SystemResult> {
  const n = ctx.quick ? QUICK_CONNECTIONS : CONNECTIONS
  const specs = await ctx.specs(n, (i) => `idle-${i % ROOMS}`)
  await sleep(ctx.quick ? 500 : 1000)
  const before = rssKB(ctx.server.pid)
  const conn = await ctx.pool.connect(ctx.target.clientKind, `ws://${ctx.server.host}:${ctx.server.port}`, specs, 200)
  if (conn.opened < n * 0.99) throw new Error(`only ${conn.opened}/${n} opened: ${conn.firstError}`)
  await sleep(ctx.quick ? 1500 : 5000)
  const after = rssKB(ctx.server.pid)
  const result = {
    connections: conn.opened,
    rssBeforeMB: round(before / 1024),
    rssAfterMB: round(after / 1024),
    rssPerConnKB: round((after - before) / conn.opened),
  }
  ctx.log(`${conn.opened} idle: RSS ${result.rssBeforeMB} → ${result.rssAfterMB} MB, ${result.rssPerConnKB} KB/conn`)
  return result
}

export const memory: Scenario = {
  name: 'memory',
  unit: `rssPerConnKB: server process-tree RSS growth per idle connection at ${CONNECTIONS} connections in ${ROOMS} rooms (--quick: ${QUICK_CONNECTIONS})`,
  run,
}
