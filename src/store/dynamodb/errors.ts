/**
 * How the store reads DynamoDB's errors: which ones a retry can fix, and the store's own
 * refusals. Error `name`s are the service's exception names, stable across SDK versions.
 */

/** A batch larger than one transaction can hold (see MAX_APPEND_BATCH). Nothing is stored. */
export class BatchTooLargeError extends RangeError {
  override name = 'BatchTooLargeError'
}

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  // Another transaction holds one of our items, or our own earlier attempt is still running.
  'TransactionConflictException',
  'TransactionInProgressException',
  // Per-attempt timeout (AbortSignal) and socket-level failures.
  'AbortError',
  'TimeoutError',
  'NetworkingError',
])
const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND'])
/** Cancellation reasons a retry can clear (a failed condition cannot). */
const RETRYABLE_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded'])

export interface CancellationReason {
  Code?: string
}

export function cancellationReasons(err: unknown): CancellationReason[] | undefined {
  if (!(err instanceof Error) || err.name !== 'TransactionCanceledException') return undefined
  return (err as { CancellationReasons?: CancellationReason[] }).CancellationReasons ?? []
}

export function isRetryable(err: unknown): boolean {
  if (!(err instanceof Error)) return false
  const reasons = cancellationReasons(err)
  if (reasons) {
    return !reasons.some((r) => r.Code === 'ConditionalCheckFailed') && reasons.some((r) => RETRYABLE_REASONS.has(r.Code ?? ''))
  }
  if (RETRYABLE_NAMES.has(err.name)) return true
  const meta = err as { code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } }
  if (meta.code && RETRYABLE_CODES.has(meta.code)) return true
  if (meta.$retryable) return true
  const status = meta.$metadata?.httpStatusCode
  return status !== undefined && status >= 500
}
