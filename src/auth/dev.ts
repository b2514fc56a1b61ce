/**
 * Development mode: without `JWT_SECRET` in embedded mode the server makes up a random secret
 * and prints tokens signed with it, so `npm start` gives a usable chat server at once.
 * Tokens die with the process: the next start has a new secret.
 */
import { base64url, SignJWT } from 'jose'

export function randomSecret(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(32)))
}

export interface MintOptions {
  sub: string
  name?: string
  roles?: string[]
  /** Lifetime in seconds; a day by default. */
  ttlSeconds?: number
}

export async function mintToken(secret: string, opts: MintOptions): Promise<string> {
  const claims: Record<string, unknown> = {}
  if (opts.name !== undefined) claims.name = opts.name
  if (opts.roles !== undefined) claims.roles = opts.roles
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.ttlSeconds ?? 86_400))
    .sign(new TextEncoder().encode(secret))
}

export interface DevTokens {
  token: string
  adminToken: string
}

export async function mintDevTokens(secret: string): Promise<DevTokens> {
  return {
    token: await mintToken(secret, { sub: 'dev-user', name: 'Dev User' }),
    adminToken: await mintToken(secret, { sub: 'dev-admin', name: 'Dev Admin', roles: ['admin'] }),
  }
}
