/** Mints the HS256 access tokens every target accepts (claims sub, exp), with jose. */
import { SignJWT } from 'jose'

export async function mintToken(secret: string, sub: string, ttlSeconds = 3600): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret))
}
