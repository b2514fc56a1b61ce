/**
 * One server span per HTTP request, the WebSocket upgrade included (docs/operations.md
 * "Tracing"), continuing the trace the request carries (`traceparent`, `X-Amzn-Trace-Id`).
 * Named and attributed by the route PATTERN (`/ws/rooms/:roomId`), never the URL: the query
 * carries the token. Installed only when tracing is on (src/server.ts).
 */
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import { parseRoomId } from '../../actors/protocol/rooms.ts'
import { roomAttributes } from '../../actors/span-attributes.ts'
import type { SpanAttributes, Tracer } from '../../actors/tracing.ts'
import type { AppEnv } from './context.ts'

export interface RequestTracing {
  tracer: Tracer
  /** The context the request continues, as a `traceparent` (otel/setup.ts `Tracing.parentFrom`). */
  parentFrom(headers: Headers): string | undefined
  /** This node's id in a cluster: every request span names it (X-Ray annotation `node`). */
  node?: string
}

export function traceRequests(tracing: RequestTracing): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const method = c.req.method
    const route = routeOf(c)
    const attributes: SpanAttributes = route
      ? { 'http.method': method, 'http.route': route }
      : { 'http.method': method }
    // The room at start, so a sampler by room (TRACE_ROOMS) sees an upgrade to a listed room.
    const room = roomOf(c, route)
    if (room) Object.assign(attributes, roomAttributes(room, tracing.node))
    else if (tracing.node !== undefined) attributes.node = tracing.node
    const span = tracing.tracer.startSpan(route ? `HTTP ${method} ${route}` : `HTTP ${method}`, {
      kind: 'server',
      parent: tracing.parentFrom(c.req.raw.headers),
      attributes,
    })
    // The upgrade's span: the socket's frame spans link to it (ws-routes.ts).
    c.set('span', span)
    try {
      await next()
    } finally {
      const status = statusOf(c)
      const userId = c.get('principal')?.user.id
      span.setAttributes(
        userId === undefined ? { 'http.status_code': status } : { 'http.status_code': status, user_id: userId },
      )
      // A refusal (4xx) is the server working; only a 5xx is a failed operation.
      if (status >= 500) span.fail(`http ${status}`)
      span.end()
    }
  }
}

/**
 * An upgrade the handler took is a 101 on the wire, but Hono on Node hands back a placeholder
 * 200 (the `ws` server writes the 101); any refusal went through the error factory (4xx/5xx).
 */
function statusOf(c: Context<AppEnv>): number {
  const status = c.res.status
  return status < 300 && c.req.header('upgrade')?.toLowerCase() === 'websocket' ? 101 : status
}

/** The pattern of the handler that answers (not a middleware's `*`); undefined for a 404. */
function routeOf(c: Context<AppEnv>): string | undefined {
  const routes = matchedRoutes(c)
  for (let i = routes.length - 1; i >= 0; i--) {
    if (routes[i]!.method !== 'ALL') return routes[i]!.path
  }
  return undefined
}

/** The valid room id of a route with `:roomId`, decoded (`GUILD%23g` is `GUILD#g`). */
function roomOf(c: Context<AppEnv>, route: string | undefined): string | undefined {
  if (!route?.includes(':roomId')) return undefined
  const segments = route.split('/')
  const at = segments.indexOf(':roomId')
  const raw = c.req.path.split('/')[at]
  if (raw === undefined) return undefined
  let id: string
  try {
    id = decodeURIComponent(raw)
  } catch {
    return undefined
  }
  return parseRoomId(id) ? id : undefined
}
