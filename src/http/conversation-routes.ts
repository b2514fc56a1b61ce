/**
 * `POST /conversations` (docs/protocol.md "Conversations and my rooms"): the caller's
 * conversation with the members named. `201` when made; `200` with the pair's existing room.
 * What a request means, and the per-user creation limit, are the host's (actors/open-conversation.ts).
 */
import { Hono } from 'hono'
import * as v from 'valibot'
import { authenticate } from './authenticate.ts'
import type { AppEnv, AppOptions } from './context.ts'
import { HttpError } from './errors.ts'
import { jsonBody } from './json-body.ts'
import { userIdSchema } from './inputs.ts'
import { parseOr } from './validate.ts'

const bodySchema = v.object({
  members: v.array(userIdSchema, 'members must be an array of user ids'),
})

export function conversationRoutes(opts: AppOptions): Hono<AppEnv> {
  const { host, auth } = opts
  return new Hono<AppEnv>().post('/conversations', async (c) => {
    const principal = await authenticate(c, auth)
    const { members } = parseOr(bodySchema, await jsonBody(c))
    const opened = await host.openConversation(principal.user.id, members)
    if (!opened.ok) {
      const { code, message } = opened
      throw new HttpError(code, message, {
        ...(opened.code === 'rate_limited' && { retryAfterMs: opened.retryAfterMs }),
        ...(opened.code === 'unavailable' && { cause: opened.cause }),
      })
    }
    return c.json({ room: opened.roomId, members: opened.members }, opened.created ? 201 : 200)
  })
}
