/**
 * `GET /me/rooms` (docs/protocol.md "Conversations and my rooms"): a page of the caller's
 * rooms, newest activity first, and the cursor to the next. The listing is the host's
 * (actors/list-my-rooms.ts); here the query is checked.
 */
import { Hono } from 'hono'
import * as v from 'valibot'
import { myRoomsMaxLimit, myRoomsDefaultLimit } from '../../actors/list-my-rooms.ts'
import type { MyRoomsQuery } from '../../actors/host-api.ts'
import { authenticate } from './authenticate.ts'
import type { AppEnv, AppOptions } from './context.ts'
import { HttpError } from './errors.ts'
import { parseOr } from './validate.ts'

const limitMessage = `limit is 1..${myRoomsMaxLimit}`
const querySchema = v.object({
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, limitMessage),
      v.transform(Number),
      v.minValue(1, limitMessage),
      v.maxValue(myRoomsMaxLimit, limitMessage),
    ),
  ),
  cursor: v.optional(v.string()),
})

export function meRoutes(opts: AppOptions): Hono<AppEnv> {
  const { host, auth } = opts
  return new Hono<AppEnv>().get('/me/rooms', async (c) => {
    const principal = await authenticate(c, auth)
    const { limit, cursor } = parseOr(querySchema, c.req.query())
    const query: MyRoomsQuery = { limit: limit ?? myRoomsDefaultLimit }
    if (cursor !== undefined) query.cursor = cursor
    const page = await host.myRooms(principal.user.id, query)
    if (!page.ok) throw new HttpError(page.code, page.message, page.code === 'unavailable' ? { cause: page.cause } : {})
    const { ok: _, ...body } = page
    return c.json(body)
  })
}
