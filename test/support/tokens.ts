/** Tokens for tests, minted with jose: good ones, and each kind the server must refuse. */
import { base64url, SignJWT } from 'jose'

export const testSecret = 'guildhall-test-secret-0123456789abcdef'

export interface TokenOptions {
  sub?: string
  name?: string
  roles?: string[]
  /** `exp` in epoch seconds; an hour from now by default. */
  exp?: number
  /** Omit `exp` entirely. */
  noExp?: boolean
  iss?: string
  aud?: string
  secret?: string
}

export async function mint(opts: TokenOptions = {}): Promise<string> {
  const claims: Record<string, unknown> = {}
  if (opts.name !== undefined) claims.name = opts.name
  if (opts.roles !== undefined) claims.roles = opts.roles
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt()
  if (opts.sub !== '') jwt.setSubject(opts.sub ?? 'alice')
  if (!opts.noExp) jwt.setExpirationTime(opts.exp ?? Math.floor(Date.now() / 1000) + 3600)
  if (opts.iss) jwt.setIssuer(opts.iss)
  if (opts.aud) jwt.setAudience(opts.aud)
  return jwt.sign(new TextEncoder().encode(opts.secret ?? testSecret))
}

export const adminToken = (secret = testSecret) => mint({ sub: 'ops', roles: ['admin'], secret })

/** An unsigned token (`alg: none`), which must never be accepted. */
export function unsigned(sub = 'alice'): string {
  const enc = (o: unknown) => base64url.encode(new TextEncoder().encode(JSON.stringify(o)))
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub, exp: Math.floor(Date.now() / 1000) + 3600 })}.`
}
