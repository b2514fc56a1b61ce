/**
 * VAPID (RFC 8292): the application server identifies itself to push services with an ES256
 * JWT (`aud` = the push service's origin, `exp` at most 24 h ahead, `sub` a contact) signed
 * with the key whose public half browsers subscribed with (`applicationServerKey`). The JWT of
 * each origin is reused until shortly before it expires: signing is the costly part of a send.
 */
import { SignJWT } from 'jose'
import { fromBase64url, toBase64url } from './base64url.ts'

export interface VapidKeys {
  /** `VAPID_PUBLIC_KEY`: base64url of the 65-byte uncompressed P-256 point. */
  publicKey: string
  /** `VAPID_PRIVATE_KEY`: base64url of the 32-byte private scalar (web-push's `generateVAPIDKeys` format). */
  privateKey: string
  /** `VAPID_SUBJECT`: `mailto:` or `https:` contact for the push service's operators. */
  subject: string
}

/** A JWT lives this long; it is replaced once less than `RENEW_BEFORE_S` of it is left. */
const JWT_LIFETIME_S = 12 * 60 * 60
const RENEW_BEFORE_S = 60 * 60
/** Origins whose JWT is kept (push services are few: FCM, Mozilla, Apple, Microsoft). */
const MAX_CACHED_ORIGINS = 64

export interface Vapid {
  /** The `Authorization` header for a push message to `origin`. */
  authorization(origin: string): Promise<string>
}

/** Decodes the keys and checks they are a pair (a signature by one verifies with the other). */
export async function loadVapid(keys: VapidKeys, now: () => number = Date.now): Promise<Vapid> {
  const pub = fromBase64url(keys.publicKey)
  if (pub?.length !== 65 || pub[0] !== 4)
    throw new Error('VAPID_PUBLIC_KEY must be base64url of a 65-byte uncompressed P-256 point')
  const d = fromBase64url(keys.privateKey)
  if (d?.length !== 32) throw new Error('VAPID_PRIVATE_KEY must be base64url of a 32-byte P-256 private key')
  if (!/^(mailto:|https:\/\/)/.test(keys.subject)) throw new Error('VAPID_SUBJECT must be a mailto: or https: URL')
  const jwk = { kty: 'EC', crv: 'P-256', x: toBase64url(pub.subarray(1, 33)), y: toBase64url(pub.subarray(33)) }
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256' }
  let privateKey: CryptoKey
  try {
    privateKey = await crypto.subtle.importKey('jwk', { ...jwk, d: keys.privateKey }, algorithm, false, ['sign'])
  } catch (err) {
    // Node checks the point against the scalar here; the probe below covers runtimes that do not.
    throw new Error(`VAPID_PRIVATE_KEY is not the private half of VAPID_PUBLIC_KEY (${(err as Error).message})`, {
      cause: err,
    })
  }
  const publicKey = await crypto.subtle.importKey('jwk', jwk, algorithm, false, ['verify'])
  const probe = new Uint8Array(32)
  const sig = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, probe)
  if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, sig, probe)))
    throw new Error('VAPID_PRIVATE_KEY is not the private half of VAPID_PUBLIC_KEY')

  const cache = new Map<string, { header: string; exp: number }>()
  return {
    async authorization(origin) {
      const nowS = Math.floor(now() / 1000)
      const hit = cache.get(origin)
      if (hit && hit.exp - nowS > RENEW_BEFORE_S) return hit.header
      const exp = nowS + JWT_LIFETIME_S
      const jwt = await new SignJWT({ sub: keys.subject })
        .setProtectedHeader({ typ: 'JWT', alg: 'ES256' })
        .setAudience(origin)
        .setExpirationTime(exp)
        .sign(privateKey)
      const header = `vapid t=${jwt}, k=${keys.publicKey}`
      if (cache.size >= MAX_CACHED_ORIGINS) cache.clear()
      cache.set(origin, { header, exp })
      return header
    },
  }
}
