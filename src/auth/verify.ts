/**
 * Access-token verification with jose (docs/protocol.md "Identity"): HS256 with a shared secret
 * and/or RS256/ES256/... from a JWKS URL; `exp` and `sub` required; `iss`/`aud` checked
 * when configured. Unsigned (`alg: none`) tokens are never accepted: jose refuses them in
 * `jwtVerify`, and `none` is in no allow-list here.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose'
import * as v from 'valibot'
import type { User } from '../../actors/ports.ts'

export interface Principal {
  user: User
  /** `roles` includes "admin": the admin API is open (rooms are not). */
  admin: boolean
  /** The token's `exp`, epoch milliseconds. */
  expiresAt: number
}

/** Resolves to the token's principal or rejects with `AuthError`. */
export type Verifier = (token: string) => Promise<Principal>

export class AuthError extends Error {
  override name = 'AuthError'
}

export interface VerifierOptions {
  secret?: string
  jwksUrl?: string
  issuer?: string
  audience?: string[]
}

const asymmetric = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA']

const codePoints = (s: string) => [...s].length
const claims = v.object({
  sub: v.pipe(
    v.string(),
    v.check((s) => codePoints(s) >= 1 && codePoints(s) <= 128, 'sub must be 1..128 characters'),
  ),
  exp: v.number(),
  name: v.optional(v.string()),
  roles: v.optional(v.array(v.string())),
})

export function createVerifier(opts: VerifierOptions): Verifier {
  if (!opts.secret && !opts.jwksUrl) throw new Error('a verifier needs a secret or a JWKS URL')
  const secret = opts.secret ? new TextEncoder().encode(opts.secret) : undefined
  const jwks = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined
  const algorithms = [...(secret ? ['HS256'] : []), ...(jwks ? asymmetric : [])]
  // The header picks the key kind, and `algorithms` already limits what the header may say:
  // an HS256 token is never checked against a public key, nor an RS256 one against the secret.
  // Imported once: given the raw bytes, jose imports a new CryptoKey (and its native key
  // object) for every token, the largest part of what a connection leaves for the GC.
  let hmacKey: Promise<CryptoKey> | undefined
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256' && secret) {
      hmacKey ??= crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
      return hmacKey
    }
    if (jwks) return jwks(header, token)
    throw new AuthError('unsupported token algorithm')
  }
  return async (token) => {
    let payload: unknown
    try {
      const result = await jwtVerify(token, getKey, {
        algorithms,
        issuer: opts.issuer,
        audience: opts.audience,
        requiredClaims: ['exp', 'sub'],
      })
      payload = result.payload
    } catch (err) {
      throw new AuthError(describe(err))
    }
    const parsed = v.safeParse(claims, payload)
    if (!parsed.success) throw new AuthError(`invalid token claims: ${parsed.issues[0].message}`)
    const { sub, exp, name, roles } = parsed.output
    const user: User = name === undefined ? { id: sub } : { id: sub, name }
    return { user, admin: roles?.includes('admin') ?? false, expiresAt: exp * 1000 }
  }
}

function describe(err: unknown): string {
  if (err instanceof AuthError) return err.message
  if (err instanceof errors.JWTExpired) return 'token expired'
  if (err instanceof errors.JWTClaimValidationFailed) return `token claim "${err.claim}" refused`
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'token signature does not verify'
  if (err instanceof errors.JOSEAlgNotAllowed) return 'token algorithm not accepted'
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key matches the token'
  if (err instanceof errors.JOSEError) return 'malformed token'
  return 'token could not be verified'
}
