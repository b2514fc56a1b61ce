/**
 * The request the Hono app sees for a WebSocket upgrade on Node: the URL as a string and the
 * IncomingMessage's headers read in place, instead of an undici `Request`, its `Headers` (every
 * header copied, sorted and validated again) and a parsed `URL`. What the app reads of an upgrade
 * is the method, the URL (Hono parses path and query from the string) and a few headers
 * (`get`; `forEach` for the trace context), so a connect allocates a few hundred bytes here
 * instead of several KB that live across the connect's awaits (token, access, room entry).
 * Like node-server's own requests, a target that is not plain printable ASCII, or has dot
 * segments, or a host that is not a plain name goes through the URL parser (which refuses garbage).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'

/** Origin-form targets that the URL parser would leave as they are (as in @hono/node-server). */
const plainTarget = /^\/[!#$&-;=?-[\]_a-z~]*$/
const dotSegment = /\/\.\.?(?:[/?#]|$)/
const plainHost = /^[a-z0-9._-]+(?::\d{1,5})?$/

/** Throws (a `TypeError` from the URL parser) when the target cannot be a URL. */
export function upgradeRequest(req: IncomingMessage): Request {
  return new UpgradeRequest(upgradeUrl(req), new UpgradeHeaders(req.headers)) as unknown as Request
}

/** Origin-form targets (`/path?query`) on the `Host` they were sent to, absolute ones as given. */
export function upgradeUrl(req: IncomingMessage): string {
  const target = req.url ?? '/'
  const host = req.headers.host ?? 'localhost'
  if (target.startsWith('/')) {
    const url = `http://${host}${target}`
    return plainTarget.test(target) && !dotSegment.test(target) && plainHost.test(host) ? url : new URL(url).href
  }
  return new URL(target).href
}

/** Every upgrade is read as a GET, whatever the request line said (as before: the app routes GETs). */
class UpgradeRequest {
  readonly method = 'GET'
  readonly url: string
  readonly headers: UpgradeHeaders

  constructor(url: string, headers: UpgradeHeaders) {
    this.url = url
    this.headers = headers
  }
}

/**
 * The `Headers` reads over Node's parsed headers (lower-case names, repeated ones already joined;
 * of an array, `set-cookie`, the first value). An empty value reads as absent.
 */
class UpgradeHeaders {
  readonly #headers: IncomingHttpHeaders

  constructor(headers: IncomingHttpHeaders) {
    this.#headers = headers
  }

  get(name: string): string | null {
    const value = this.#headers[name.toLowerCase()]
    const first = Array.isArray(value) ? value[0] : value
    return typeof first === 'string' && first !== '' ? first : null
  }

  has(name: string): boolean {
    return this.get(name) !== null
  }

  forEach(each: (value: string, name: string, headers: UpgradeHeaders) => void): void {
    for (const name of Object.keys(this.#headers)) {
      const value = this.get(name)
      if (value !== null) each(value, name, this)
    }
  }
}
