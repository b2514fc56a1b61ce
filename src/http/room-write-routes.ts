/**
 * Writes to a room without a socket (docs/protocol.md "Posting and reading over HTTP"): a
 * message (`POST /rooms/:roomId/messages`, for backends and bots) and the caller's read marker
 * (`PUT /rooms/:roomId/read`). Each is what a `send` or `read` frame from the caller would be:
 * the same access, the same rules, through the room's owner wherever it lives. Neither enters
 * the room (no presence, no connection).
 */
import { Hono, type Context } from 'hono'
import { RoomUnavailableError } from '../../actors/actor.ts'
import { accessMessages, type ErrorCode } from '../../actors/protocol/errors.ts'
import { authenticate } from './authenticate.ts'
import type { AppEnv, AppOptions } from './context.ts'
import { HttpError, type HttpErrorCode } from './errors.ts'
import { postBodySchema, readBodySchema, roomIdSchema } from './inputs.ts'
import { requireAccess } from './access.ts'
import { jsonBody } from './json-body.ts'
import { parseOr } from './validate.ts'

export function roomWriteRoutes(opts: AppOptions): Hono<AppEnv> {
  const { host, auth } = opts
  const roomParam = (c: Context) => parseOr(roomIdSchema, c.req.param('roomId'), 'invalid_room')
  return new Hono<AppEnv>()
    .post('/rooms/:roomId/messages', async (c) => {
      const principal = await authenticate(c, auth)
      const roomId = roomParam(c)
      const body = parseOr(postBodySchema, await jsonBody(c))
      const self = principal.user.id
      const senderId = body.senderId ?? self
      if (senderId !== self && !principal.admin)
        throw new HttpError('forbidden', 'only the admin role may post as another sender')
      // As another sender (a service's `system`): the room must exist and be open, whoever
      // may enter it. As oneself: exactly a join's access, creation on first use included.
      await requireAccess(host, roomId, self, senderId === self ? 'enter' : 'service')
      const outcome = await reachOwner(() =>
        host.post(
          roomId,
          { senderId, id: body.id, text: body.text, ...(principal.admin && { unlimited: true }) },
          c.get('span')?.traceparent,
        ),
      )
      if (!outcome.ok)
        throw new HttpError(httpCode(outcome.code), outcome.message, {
          ...(outcome.retryAfterMs !== undefined && { retryAfterMs: outcome.retryAfterMs }),
        })
      return c.json({ seq: outcome.seq, messageId: outcome.messageId }, outcome.created ? 201 : 200)
    })
    .put('/rooms/:roomId/read', async (c) => {
      const principal = await authenticate(c, auth)
      const roomId = roomParam(c)
      const { seq } = parseOr(readBodySchema, await jsonBody(c))
      // A marker reads the room: never creates it (a room that would be created has seq 0).
      await requireAccess(host, roomId, principal.user.id, 'read')
      await reachOwner(() => host.markRead(roomId, principal.user.id, seq))
      return c.body(null, 204)
    })
}

/** The room's owner could not be reached or its store could not take it: 503, nothing stored. */
async function reachOwner<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op()
  } catch (err) {
    if (err instanceof RoomUnavailableError)
      throw new HttpError('unavailable', accessMessages.unavailable, { cause: err })
    throw err
  }
}

/**
 * A `send`'s refusal over HTTP (docs/protocol.md): `too_long` keeps its code, with 400 like
 * every bad input; an empty text (`invalid_frame` on a socket) is `invalid_request`.
 */
function httpCode(code: ErrorCode): HttpErrorCode {
  switch (code) {
    case 'too_long':
    case 'rate_limited':
    case 'forbidden':
    case 'not_found':
    case 'invalid_room':
    case 'unavailable':
    case 'internal':
      return code
    default:
      return 'invalid_request'
  }
}
