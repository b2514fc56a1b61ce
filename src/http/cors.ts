/**
 * Which browser origins may use the server, from one list (`CORS_ORIGINS`): CORS headers on
 * the HTTP API (Hono's `hono/cors`), and the `Origin` check of WebSocket upgrades, which CORS
 * does not cover (a page on any site may open a WebSocket to any server).
 *
 * A request without `Origin` (curl, a backend, a bot) is never refused: the check only keeps
 * other sites' pages out. The server's own origin (the `Host` the request was sent to) is
 * always allowed, as in gorilla/websocket's default check, so a page served by the server
 * itself works whatever the list says.
 */
import type { Context, MiddlewareHandler, Next } from 'hono'
import { cors } from 'hono/cors'
import { HttpError } from './errors.ts'

/** `*` (any origin) or exact origins, e.g. `https://app.example.com`. */
export type AllowedOrigins = '*' | readonly string[]

/** How long a browser may reuse a preflight answer, in seconds (Chrome caps it at 2 hours). */
const PREFLIGHT_MAX_AGE_S = 600

/**
 * `CORS_ORIGINS`: comma-separated origins (`scheme://host[:port]`), or `*`. Throws a message
 * naming the entry that is not an origin.
 */
export function parseOrigins(raw: string): AllowedOrigins {
  const entries = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (entries.includes('*')) {
    if (entries.length > 1) throw new Error('* allows every origin: give it alone')
    return '*'
  }
  return entries.map(toOrigin)
}

function toOrigin(entry: string): string {
  let url: URL | undefined
  try {
    url = new URL(entry)
  } catch {
    // reported below
  }
  const bare = url && url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password
  if (!url || !bare || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(`${entry} is not an origin: expected scheme://host[:port], e.g. https://app.example.com`)
  }
  return url.origin
}

/** May a request with this `Origin`, sent to `host`, go ahead? */
export function originAllowed(allowed: AllowedOrigins, origin: string, host: string | undefined): boolean {
  if (allowed === '*' || allowed.includes(origin)) return true
  try {
    return host !== undefined && new URL(origin).host === host.toLowerCase()
  } catch {
    return false // `Origin: null` (sandboxed frames, files) or garbage
  }
}

/**
 * CORS for the HTTP API: allowed origins get `Access-Control-Allow-Origin` (and a preflight
 * answer allowing the `Authorization` header); a preflight from another origin is refused
 * with `403 forbidden` and says why, instead of a 204 the browser would reject silently.
 * Simple requests from other origins are answered without CORS headers: the browser keeps
 * the answer from the page, as CORS intends.
 */
export function corsMiddleware(allowed: AllowedOrigins): MiddlewareHandler {
  const headers = cors({
    origin: allowed === '*' ? '*' : (origin) => (allowed.includes(origin) ? origin : null),
    allowMethods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type'],
    maxAge: PREFLIGHT_MAX_AGE_S,
  })
  return async (c, next) => {
    if (c.req.header('upgrade')?.toLowerCase() === 'websocket') return upgradeCors(c, next)
    const origin = c.req.header('origin')
    const preflight = c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined
    if (preflight && origin !== undefined && !originAllowed(allowed, origin, c.req.header('host'))) {
      throw new HttpError('forbidden', `origin ${origin} is not allowed (CORS_ORIGINS)`)
    }
    return headers(c, next)
  }

  /**
   * A WebSocket upgrade: browsers apply no CORS to the handshake (the `Origin` check in
   * ws-routes is what guards it), so an accepted upgrade gets no CORS work, which would copy
   * the answer to add `Vary` after the handler. A refusal is a plain HTTP answer: CORS
   * headers as on any other.
   */
  async function upgradeCors(c: Context, next: Next): Promise<void> {
    await next()
    if (c.res.status >= 300 && c.res.status !== 101) await headers(c, async () => {})
  }
}

/** The WebSocket upgrades' check: an `Origin` that is present and not allowed is `403`. */
export function requireOrigin(allowed: AllowedOrigins, origin: string | undefined, host: string | undefined): void {
  if (origin !== undefined && !originAllowed(allowed, origin, host)) {
    throw new HttpError('forbidden', `origin ${origin} may not open WebSockets here (CORS_ORIGINS)`)
  }
}
