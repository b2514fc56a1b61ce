/**
 * JWT check shared by the peers (Node's ws and socket.io, and bare Deno): HS256 with jose, the
 * same work guildhall does at connect, so the connect scenario compares servers doing
 * comparable work. Each peer passes the secret from its own runtime's environment.
 */
import { jwtVerify } from 'jose'

/** A check that returns the verified `sub`, or undefined for any bad token. */
export function tokenVerifier(secret: string): (token: string | null | undefined) => Promise<string | undefined> {
  const key = new TextEncoder().encode(secret)
  return async (token) => {
    if (!token) return undefined
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] })
      return typeof payload.sub === 'string' ? payload.sub : undefined
    } catch {
      return undefined
    }
  }
}
