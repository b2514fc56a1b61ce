/**
 * The one error factory. Every refusal a client can see has a stable code from this list
 * (docs/protocol.md "Frames" lists them all with their meaning).
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

const defaultMessages: Record<ErrorCode, string> = {
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
  const frame: ErrorFrame = { type: 'error', code, message: extra.message ?? defaultMessages[code] }
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
