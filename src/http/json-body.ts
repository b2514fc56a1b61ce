/** A request's JSON body, or `400 invalid_request`. */
import type { Context } from 'hono'
import { HttpError } from './errors.ts'

/** The body is at most `maxBodyBytes`: app.ts's body limit refuses a larger one (413) first. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError('invalid_request', 'the body must be JSON')
  }
}
