/**
 * History over HTTP (docs/protocol.md "HTTP endpoints"): access is checked exactly as for a join, but a
 * read creates nothing: a general room that would be created on first use reads as empty.
 */
import { Hono } from 'hono'
import { requireAccess } from './access.ts'
import { authenticate } from './authenticate.ts'
import type { AppEnv, AppOptions } from './context.ts'
import { historyQuerySchema, roomIdSchema } from './inputs.ts'
import { parseOr } from './validate.ts'

export function historyRoutes(opts: AppOptions): Hono<AppEnv> {
  const { host, auth } = opts
  const querySchema = historyQuerySchema(opts.config.limits.historyMaxLimit)
  return new Hono<AppEnv>().get('/rooms/:roomId/messages', async (c) => {
    const principal = await authenticate(c, auth)
    const roomId = parseOr(roomIdSchema, c.req.param('roomId'), 'invalid_room')
    const query = parseOr(querySchema, c.req.query())
    await requireAccess(host, roomId, principal.user.id, 'read')
    const page = await host.history(roomId, {
      ...(query.before !== undefined && { before: query.before }),
      ...(query.after !== undefined && { after: query.after }),
      limit: query.limit ?? opts.config.limits.historyDefaultLimit,
    })
    return c.json({ messages: page.messages, more: page.more })
  })
}
