/**
 * The one HTTP error factory (docs/protocol.md "HTTP refusals"): every refusal is plain HTTP with the body
 * `{"error":"<code>","message":"..."}`, and each code has exactly one status.
 * docs/protocol.md lists them all.
 */
export const httpErrors = {
  invalid_room: 400,
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  request_timeout: 408,
  too_large: 413,
  headers_too_large: 431,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
} as const

export type HttpErrorCode = keyof typeof httpErrors

const defaultMessages: Record<HttpErrorCode, string> = {
  invalid_room: 'not a valid room id',
  invalid_request: 'the request is not valid',
  unauthorized: 'a valid access token is required',
  forbidden: 'not allowed',
  not_found: 'not found',
  request_timeout: 'the request took too long to arrive',
  too_large: 'the request is too large',
  headers_too_large: 'the request headers are too large',
  rate_limited: 'too many requests; retry later',
  internal: 'internal error',
  unavailable: 'the server cannot take this request now; retry later',
}

/** The refusal body, for callers that write raw HTTP (Node's parser refusals: client-error.ts). */
export function errorBody(
  code: HttpErrorCode,
  message = defaultMessages[code],
): { error: HttpErrorCode; message: string } {
  return { error: code, message }
}

/**
 * `retryAfterMs` (a `429` that knows when to retry) goes in the body, as on an `error` frame,
 * and as a `Retry-After` header in whole seconds for generic HTTP clients.
 */
export function errorResponse(code: HttpErrorCode, message = defaultMessages[code], retryAfterMs?: number): Response {
  if (retryAfterMs === undefined) return Response.json(errorBody(code, message), { status: httpErrors[code] })
  return Response.json(
    { ...errorBody(code, message), retryAfterMs },
    { status: httpErrors[code], headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) } },
  )
}

/** Thrown inside handlers; `app.onError` turns it into `errorResponse`. */
export class HttpError extends Error {
  override name = 'HttpError'
  readonly code: HttpErrorCode
  /** When a `rate_limited` refusal can be retried. */
  readonly retryAfterMs: number | undefined

  /** `cause`: the error from below (a store failure), logged with the refusal, never sent. */
  constructor(
    code: HttpErrorCode,
    message = defaultMessages[code],
    extra: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause })
    this.code = code
    this.retryAfterMs = extra.retryAfterMs
  }
}
