/** Liveness and readiness (docs/protocol.md "HTTP endpoints"): `/ready` turns 503 once the node drains, or while a part of it holds readiness back (lifecycle.ts). */
import { Hono } from 'hono'
import type { AppEnv } from './context.ts'
import { errorResponse } from './errors.ts'
import type { Lifecycle } from './lifecycle.ts'

export function healthRoutes(lifecycle: Lifecycle): Hono<AppEnv> {
  return new Hono<AppEnv>()
    .get('/health', (c) => c.json({ status: 'ok' }))
    .get('/ready', (c) => {
      const why = lifecycle.notReady()
      return why === undefined ? c.json({ status: 'ready' }) : errorResponse('unavailable', why)
    })
}
