/**
 * The one source of the error codes a client can see and of their default messages: on an
 * `error` frame (docs/protocol.md "Frames") and over HTTP (docs/protocol.md "HTTP refusals",
 * each code with its one status). The frame factory (`errorFrame`) is here; the HTTP one
 * (src/http/errors.ts) builds its responses from `httpErrors` and `httpMessages`. An error
 * that refuses a request is a `Refusal`, told apart with `instanceof`.
 */
export const errorCodes = [
  'invalid_frame',
  'too_long',
  'rate_limited',
  'limit_exceeded',
  'forbidden',
  'not_found',
  'not_joined',
  'invalid_room',
  'unavailable',
  'internal',
] as const
export type ErrorCode = (typeof errorCodes)[number]

export interface ErrorFrame {
  type: 'error'
  code: ErrorCode
  message: string
  room?: string
  ref?: string
  retryAfterMs?: number
}

/** Each frame code's default message. */
export const frameMessages: Record<ErrorCode, string> = {
  invalid_frame: 'the frame is not valid',
  too_long: 'the message text is too long',
  rate_limited: 'too many messages; retry later',
  limit_exceeded: 'a limit of this connection was reached',
  forbidden: 'you may not enter this room',
  not_found: 'no such room',
  not_joined: 'join the room first',
  invalid_room: 'not a valid room id',
  unavailable: 'storage could not take the message; nothing was stored, resend with the same id',
  internal: 'internal error',
}

export function errorFrame(
  code: ErrorCode,
  extra: { message?: string; room?: string; ref?: string; retryAfterMs?: number } = {},
): ErrorFrame {
  const frame: ErrorFrame = { type: 'error', code, message: extra.message ?? frameMessages[code] }
  if (extra.room !== undefined) frame.room = extra.room
  if (extra.ref !== undefined) frame.ref = extra.ref
  if (extra.retryAfterMs !== undefined) frame.retryAfterMs = extra.retryAfterMs
  return frame
}

/**
 * Refusals that count toward the per-connection flood limit: the client's own mistakes.
 * Rate limiting is not counted (docs/protocol.md "Limits"), nor is a cap reached
 * (`limit_exceeded`, like rate limiting a matter of how much, not of a wrong frame), nor are
 * the server's own failures.
 */
export function countsAsRefusal(code: ErrorCode): boolean {
  return code !== 'rate_limited' && code !== 'limit_exceeded' && code !== 'unavailable' && code !== 'internal'
}

/** Every HTTP refusal code and its one status. */
export const httpErrors = {
  invalid_room: 400,
  invalid_request: 400,
  too_long: 400,
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

export const httpMessages: Record<HttpErrorCode, string> = {
  invalid_room: frameMessages.invalid_room,
  invalid_request: 'the request is not valid',
  too_long: frameMessages.too_long,
  unauthorized: 'a valid access token is required',
  forbidden: 'not allowed',
  not_found: 'not found',
  request_timeout: 'the request took too long to arrive',
  too_large: 'the request is too large',
  headers_too_large: 'the request headers are too large',
  rate_limited: 'too many requests; retry later',
  internal: frameMessages.internal,
  unavailable: 'the server cannot take this request now; retry later',
}

/**
 * What a refused room access says over HTTP (an upgrade, a history read) when the access
 * answer has no message of its own: a frame's words where a frame says the same.
 */
export const accessMessages = {
  invalid_room: frameMessages.invalid_room,
  forbidden: frameMessages.forbidden,
  not_found: frameMessages.not_found,
  unavailable: 'the room cannot be reached now; retry later',
  rate_limited: 'too many rooms created; retry later',
} as const

/**
 * A refusal of a request with one of the HTTP codes, thrown by the HTTP layer or from below
 * it (an admin input that cannot exist, a store that cannot answer now): the app answers
 * any `Refusal` with its code's status and body (src/http/app.ts), any other error with 500.
 */
export class Refusal extends Error {
  override name = 'Refusal'
  readonly code: HttpErrorCode
  /** When a `rate_limited` refusal can be retried. */
  readonly retryAfterMs: number | undefined

  /** `cause`: the error from below (a store failure), logged with the refusal, never sent. */
  constructor(
    code: HttpErrorCode,
    message = httpMessages[code],
    extra: { retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause })
    this.code = code
    this.retryAfterMs = extra.retryAfterMs
  }
}
