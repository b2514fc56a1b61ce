/**
 * The runtime-neutral Hono app: health, WebSocket upgrades, history and the admin API.
 * Web-standard APIs only; `src/adapters/*` serve it on Node or Deno. Every refusal goes
 * through the one error factory (`errors.ts`) and is logged once, here.
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { adminRoutes } from './admin-routes.ts'
import type { AppEnv, AppOptions } from './context.ts'
import { conversationRoutes } from './conversation-routes.ts'
import { corsMiddleware } from './cors.ts'
import { Refusal } from '../../actors/protocol/errors.ts'
import { errorResponse, httpErrors, HttpError } from './errors.ts'
import { healthRoutes } from './health.ts'
import { historyRoutes } from './history-routes.ts'
import { Lifecycle } from './lifecycle.ts'
import { roomWriteRoutes } from './room-write-routes.ts'
import { meRoutes } from './me-routes.ts'
import { deviceRoutes } from './device-routes.ts'
import { pageRoutes } from './page-routes.ts'
import { traceRequests } from './trace-requests.ts'
import { wsRoutes } from './ws-routes.ts'

export type { AppOptions, Upgrade } from './context.ts'

export function createApp(options: AppOptions): Hono<AppEnv> {
  const lifecycle = options.lifecycle ?? new Lifecycle()
  const { logger } = options
  const app = new Hono<AppEnv>()

  // Outermost, so that every request's span covers its refusals too.
  if (options.tracing) app.use(traceRequests(options.tracing))
  // First, so that every answer an allowed page gets, refusals included, carries CORS headers.
  app.use(corsMiddleware(options.allowedOrigins ?? []))
  // Every body is read through this cap: a declared Content-Length over it is refused unread,
  // a chunked one as soon as the cap is passed, so no handler ever holds more than the cap.
  // GET and HEAD carry no body: skipping them keeps upgrades off the body path entirely.
  const maxBodyBytes = options.config.limits.maxBodyBytes
  const limitBody = bodyLimit({
    maxSize: maxBodyBytes,
    onError: () => {
      throw new HttpError('too_large', `the body is over ${maxBodyBytes} bytes`)
    },
  })
  app.use((c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)))
  app.route('/', healthRoutes(lifecycle))
  app.route('/', wsRoutes({ ...options, lifecycle }))
  app.route('/', historyRoutes(options))
  app.route('/', roomWriteRoutes(options))
  app.route('/', adminRoutes(options))
  app.route('/', conversationRoutes(options))
  app.route('/', meRoutes(options))
  app.route('/', deviceRoutes(options))
  if (options.page) app.route('/', pageRoutes(options.page))

  app.notFound((c) => {
    logger.info('http_refused', { method: c.req.method, path: c.req.path, status: 404, code: 'not_found' })
    return errorResponse('not_found', 'no such endpoint')
  })
  app.onError((err, c) => {
    const refusal = asHttpError(err)
    if (refusal) {
      logger.info('http_refused', {
        method: c.req.method,
        path: c.req.path,
        status: httpErrors[refusal.code],
        code: refusal.code,
        userId: c.get('principal')?.user.id,
        // A store failure behind a 503: its name and message, so the log says what failed.
        ...(refusal.cause !== undefined && { error: refusal.cause }),
      })
      return errorResponse(refusal.code, refusal.message, refusal.retryAfterMs)
    }
    logger.error('http_error', { method: c.req.method, path: c.req.path, error: err })
    return errorResponse('internal')
  })
  return app
}

/**
 * Our own refusals, and refusals from below (an admin input that cannot exist, a store that
 * cannot answer now: `unavailable`); the error from below is logged as the cause.
 */
function asHttpError(err: unknown): Refusal | undefined {
  if (err instanceof HttpError) return err
  if (err instanceof Refusal && err.code !== 'internal') {
    return new HttpError(err.code, err.message, {
      cause: err,
      ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
    })
  }
  return undefined
}
