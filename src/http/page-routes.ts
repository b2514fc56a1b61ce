/**
 * The chat page (docs/page.md): `GET /` and its files under `/page/<version>/`, from memory
 * (page-assets.ts). Only mounted when `UI=true`; otherwise `/` is the ordinary 404.
 *
 * The Content-Security-Policy allows script only from this server's own files (no inline
 * script, no eval), so a message that slipped into the page as HTML could still run nothing;
 * the page never writes HTML from data in the first place (textContent only).
 */
import { Hono } from 'hono'
import type { AppEnv } from './context.ts'
import { HttpError } from './errors.ts'
import type { PageAssets } from './page-assets.ts'

export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  // 'self' covers ws:/wss: to the same host (CSP 3).
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

const common = {
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  // The page's URL may carry `?token=`: it must not travel on in a Referer.
  'referrer-policy': 'no-referrer',
}

/** Versioned URLs never change content: a browser keeps them as long as it likes. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

export function pageRoutes(assets: PageAssets): Hono<AppEnv> {
  const etag = `"${assets.version}"`
  const prefix = `/page/${assets.version}/`
  return new Hono<AppEnv>()
    .get('/', (c) => {
      // Revalidated on every visit (cheap: a 304), so a new version is picked up at once.
      const headers = { ...common, 'cache-control': 'no-cache', etag }
      if (c.req.header('if-none-match') === etag) return c.body(null, 304, headers)
      return c.body(assets.index, 200, { ...headers, 'content-type': 'text/html; charset=utf-8' })
    })
    .get('/page/:version/*', (c) => {
      const file = c.req.path.startsWith(prefix) ? assets.files.get(c.req.path.slice(prefix.length)) : undefined
      if (!file) throw new HttpError('not_found', 'no such page file (the page was updated: reload it)')
      return c.body(file.body, 200, { ...common, 'cache-control': IMMUTABLE, 'content-type': file.contentType })
    })
}
