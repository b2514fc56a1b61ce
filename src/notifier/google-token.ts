/**
 * OAuth access tokens for a service account by the JWT bearer grant (RFC 7523, Google's
 * "server to server" flow): an RS256 JWT signed with the key's private half, POSTed to the key's
 * `token_uri`. A token is cached until `refreshBeforeMs` before it expires and shared by every
 * concurrent send: while one fetch runs, every caller waits for that one (Google rate-limits
 * token requests, and a burst of sends must not become a burst of fetches). A send answered 401
 * calls `invalidate(token)`, which drops that token only (a newer one fetched meanwhile stays).
 */
import { importPKCS8, SignJWT } from 'jose'
import type { ServiceAccount } from './service-account.ts'

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging'

export interface TokenSourceOptions {
  account: ServiceAccount
  scope?: string
  /** A token is replaced this long before it expires (a send started just before must not carry an expired one). */
  refreshBeforeMs?: number
  /** A token fetch that takes longer is abandoned. */
  timeoutMs?: number
  fetch?: typeof fetch
  now?: () => number
}

export interface TokenSource {
  /** A valid access token; rejects with a TokenError when none could be fetched. */
  get(): Promise<string>
  /** The push service refused `token` (401): the next `get` fetches a new one. */
  invalidate(token: string): void
}

export class TokenError extends Error {
  override name = 'TokenError'
}

export const tokenDefaults = { refreshBeforeMs: 5 * 60_000, timeoutMs: 10_000 } as const

/** Google issues tokens for an hour; the assertion asks for the most it may. */
const ASSERTION_LIFETIME_S = 3600

export function createTokenSource(opts: TokenSourceOptions): TokenSource {
  const doFetch = opts.fetch ?? fetch
  const now = opts.now ?? Date.now
  const refreshBeforeMs = opts.refreshBeforeMs ?? tokenDefaults.refreshBeforeMs
  const timeoutMs = opts.timeoutMs ?? tokenDefaults.timeoutMs
  let cached: { token: string; expiresAt: number } | undefined
  let inFlight: Promise<string> | undefined
  let key: Promise<CryptoKey> | undefined

  const fetchToken = async (): Promise<string> => {
    key ??= importPKCS8(opts.account.privateKey, 'RS256')
    const iat = Math.floor(now() / 1000)
    const assertion = await new SignJWT({ scope: opts.scope ?? FCM_SCOPE })
      .setProtectedHeader({
        alg: 'RS256',
        typ: 'JWT',
        ...(opts.account.privateKeyId ? { kid: opts.account.privateKeyId } : {}),
      })
      .setIssuer(opts.account.clientEmail)
      .setAudience(opts.account.tokenUri)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME_S)
      .sign(await key)
    let res: Response
    try {
      res = await doFetch(opts.account.tokenUri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (err) {
      throw new TokenError(`token request failed: ${(err as Error).message}`)
    }
    const body = (await res.json().catch(() => ({}))) as {
      access_token?: unknown
      expires_in?: unknown
      error?: unknown
    }
    if (!res.ok || typeof body.access_token !== 'string')
      throw new TokenError(`token request answered ${res.status}${body.error ? ` ${String(body.error)}` : ''}`)
    const lifetimeS = typeof body.expires_in === 'number' ? body.expires_in : ASSERTION_LIFETIME_S
    cached = { token: body.access_token, expiresAt: now() + lifetimeS * 1000 }
    return body.access_token
  }

  return {
    get() {
      if (cached && now() < cached.expiresAt - refreshBeforeMs) return Promise.resolve(cached.token)
      inFlight ??= fetchToken().finally(() => {
        inFlight = undefined
      })
      return inFlight
    },
    invalidate(token) {
      if (cached?.token === token) cached = undefined
    },
  }
}
