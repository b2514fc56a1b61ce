/**
 * The HTTP error factory (docs/protocol.md "HTTP refusals"): every refusal is plain HTTP with the body
 * `{"error":"<code>","message":"..."}`, and each code has exactly one status. The codes, statuses
 * and default messages come from the one catalogue, actors/protocol/errors.ts.
 */
import { httpErrors, httpMessages, Refusal, type HttpErrorCode } from '../../actors/protocol/errors.ts'

export { httpErrors, type HttpErrorCode }

/** The refusal body, for callers that write raw HTTP (Node's parser refusals: client-error.ts). */
export function errorBody(
  code: HttpErrorCode,
  message = httpMessages[code],
): { error: HttpErrorCode; message: string } {
  return { error: code, message }
}

/**
 * `retryAfterMs` (a `429` that knows when to retry) goes in the body, as on an `error` frame,
 * and as a `Retry-After` header in whole seconds for generic HTTP clients.
 */
export function errorResponse(code: HttpErrorCode, message = httpMessages[code], retryAfterMs?: number): Response {
  if (retryAfterMs === undefined) return Response.json(errorBody(code, message), { status: httpErrors[code] })
  return Response.json(
    { ...errorBody(code, message), retryAfterMs },
    { status: httpErrors[code], headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } },
  )
}

/** Thrown inside handlers; `app.onError` turns it, like any `Refusal`, into `errorResponse`. */
export class HttpError extends Refusal {
  override name = 'HttpError'
}
