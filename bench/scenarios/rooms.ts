/** Many rooms: 2,000 rooms of 5 users, every user sending at a low fixed rate. */
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, measureWindow } from './window.ts'
import type { RunContext, Scenario, SystemResult } from './types.ts'

const ROOMS = 2000
const QUICK_ROOMS = 300
const USERS = 5
const PER_USER_RATE = 0.2

async function run(ctx: RunContext): Promise<SystemResult> {
  const roomCount = ctx.quick ? QUICK_ROOMS : ROOMS
  const n = roomCount * USERS
  const specs = await ctx.specs(n, (i) => `room-${Math.floor(i / USERS)}`)
  const conn = await ctx.pool.connect(ctx.target.clientKind, `ws://${ctx.server.host}:${ctx.server.port}`, specs, 200)
  ctx.log(`${conn.opened}/${n} connected`)
  if (conn.opened < n * 0.99) throw new Error(`only ${conn.opened}/${n} connected: ${conn.firstError}`)
  await sleep(ctx.quick ? 500 : 1000)
  await ctx.pool.snapshot()
  const rate = n * PER_USER_RATE
  const ms = ctx.quick ? 3000 : 15000
  const w = await measureWindow(ctx, { rate, senders: n, fanout: USERS, ms })
  ctx.log(describe(w))
  return { rooms: roomCount, usersPerRoom: USERS, connected: conn.opened, ...w }
}

export const rooms: Scenario = {
  name: 'rooms',
  unit: `msgsPerSec: deliveries/s with ${ROOMS} rooms (--quick: ${QUICK_ROOMS}) x ${USERS} users each sending ${PER_USER_RATE}/s; p50Ms/p99Ms send-to-deliver`,
  run,
}
