/**
 * JWT check shared by the Node peers: HS256 with jose, the same work guildhall does at
 * connect, so the connect scenario compares servers doing comparable work.
 */
import { jwtVerify } from 'jose'

const key = new TextEncoder().encode(process.env.JWT_SECRET ?? '')

/** Returns the verified `sub`, or undefined for any bad token. */
export async function verifyToken(token: string | null | undefined): Promise<string | undefined> {
  if (!token) return undefined
  try {
    const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'] })
    return typeof payload.sub === 'string' ? payload.sub : undefined
  } catch {
    return undefined
  }
}
