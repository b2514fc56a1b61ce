/** Token checks for handlers: who is asking (401 if nobody valid), and are they an admin (403). */
import type { Context } from 'hono'
import { tokenFromRequest } from '../auth/token-source.ts'
import { AuthError, type Principal, type Verifier } from '../auth/verify.ts'
import type { AppEnv } from './context.ts'
import { HttpError } from './errors.ts'

export async function authenticate(c: Context<AppEnv>, verify: Verifier): Promise<Principal> {
  // Hono reads the one parameter from the URL string: no URL object per request.
  const token = tokenFromRequest(c.req.header('authorization'), c.req.query('token'))
  if (!token) throw new HttpError('unauthorized', 'an access token is required (Authorization: Bearer or ?token=)')
  try {
    const principal = await verify(token)
    c.set('principal', principal)
    return principal
  } catch (err) {
    if (err instanceof AuthError) throw new HttpError('unauthorized', err.message)
    throw err
  }
}

export async function authenticateAdmin(c: Context<AppEnv>, verify: Verifier): Promise<Principal> {
  const principal = await authenticate(c, verify)
  if (!principal.admin) throw new HttpError('forbidden', 'the admin role is required')
  return principal
}
