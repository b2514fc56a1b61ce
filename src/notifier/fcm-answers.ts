/**
 * What an FCM HTTP v1 answer means for the worker (https://firebase.google.com/docs/reference/fcm/rest/v1/ErrorCode):
 * delivered, the device is gone (remove it), worth a retry (leave the event to SQS), or a
 * permanent failure (log it and move on). The error's `status` and the FcmError detail's
 * `errorCode` are read, never the human message, except to tell a bad token from a bad payload.
 */

export type FcmOutcome = { ok: true } | { ok: false; gone: boolean; retryable: boolean; reason: string }

interface FcmErrorBody {
  error?: {
    status?: string
    message?: string
    details?: { '@type'?: string; errorCode?: string; fieldViolations?: { field?: string }[] }[]
  }
}

const RETRYABLE_CODES = new Set(['UNAVAILABLE', 'INTERNAL', 'QUOTA_EXCEEDED', 'RESOURCE_EXHAUSTED'])

export function classifyFcmAnswer(httpStatus: number, body: unknown): FcmOutcome {
  if (httpStatus >= 200 && httpStatus < 300) return { ok: true }
  const error = (body as FcmErrorBody | undefined)?.error
  const fcmCode = error?.details?.find((d) => typeof d.errorCode === 'string')?.errorCode
  const code = fcmCode ?? error?.status ?? `HTTP_${httpStatus}`
  const reason = `fcm ${httpStatus} ${code}`
  // The token was valid once and the app is gone from the device (or the token expired).
  if (code === 'UNREGISTERED' || httpStatus === 404) return { ok: false, gone: true, retryable: false, reason }
  // The token belongs to another Firebase project: it will never work for this one.
  if (code === 'SENDER_ID_MISMATCH') return { ok: false, gone: true, retryable: false, reason }
  if (httpStatus === 429 || httpStatus >= 500 || RETRYABLE_CODES.has(code))
    return { ok: false, gone: false, retryable: true, reason }
  // 401/403 are the worker's credentials (revoked key, missing role), not the device: retrying
  // keeps the event until the operator fixes them, then the dead-letter queue keeps it.
  if (httpStatus === 401 || httpStatus === 403) return { ok: false, gone: false, retryable: true, reason }
  // INVALID_ARGUMENT is FCM's answer to a malformed token, but also to a payload it refuses:
  // only a token complaint removes the device, or one bad payload would erase every device.
  if (code === 'INVALID_ARGUMENT' && blamesToken(error))
    return { ok: false, gone: true, retryable: false, reason: `${reason} token` }
  return { ok: false, gone: false, retryable: false, reason }
}

function blamesToken(error: FcmErrorBody['error']): boolean {
  const fields = error?.details?.flatMap((d) => d.fieldViolations ?? []).map((v) => v.field) ?? []
  if (fields.includes('message.token')) return true
  return /registration token/i.test(error?.message ?? '')
}
