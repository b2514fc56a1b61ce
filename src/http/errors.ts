/**
 * The one HTTP error factory (PROTOCOL.md section 4): every refusal is plain HTTP with the body
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
export function errorBody(code: HttpErrorCode, message = defaultMessages[code]): { error: HttpErrorCode; message: string } {
  return { error: code, message }
}

export function errorResponse(code: HttpErrorCode, message = defaultMessages[code]): Response {
  return Response.json(errorBody(code, message), { status: httpErrors[code] })
}

/** Thrown inside handlers; `app.onError` turns it into `errorResponse`. */
export class HttpError extends Error {
  override name = 'HttpError'
  constructor(
    readonly code: HttpErrorCode,
    message = defaultMessages[code],
  ) {
    super(message)
  }
}
