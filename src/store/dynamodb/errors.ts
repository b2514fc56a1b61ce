/**
 * How the store reads DynamoDB's errors: which ones a retry can fix, and the store's own
 * refusals. Error `name`s are the service's exception names, stable across SDK versions.
 */
import { Refusal } from '../../../actors/protocol/errors.ts'

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
    return (
      !reasons.some((r) => r.Code === 'ConditionalCheckFailed') &&
      reasons.some((r) => RETRYABLE_REASONS.has(r.Code ?? ''))
    )
  }
  if (RETRYABLE_NAMES.has(err.name)) return true
  const meta = err as { code?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } }
  if (meta.code && RETRYABLE_CODES.has(meta.code)) return true
  if (meta.$retryable) return true
  const status = meta.$metadata?.httpStatusCode
  return status !== undefined && status >= 500
}

/**
 * DynamoDB could not do what was asked (a missing table, denied access, throttling past the
 * retry bound, no network): the request may succeed later or elsewhere, so callers answer
 * `unavailable` (HTTP 503, the `code` the app maps), never `internal`. The service's exception
 * is the `cause`; its name, not its message (which may hold account ids), is in `message`.
 */
export class StoreUnavailableError extends Refusal {
  override name = 'StoreUnavailableError'
  constructor(cause: unknown) {
    super(
      'unavailable',
      `storage is unavailable (DynamoDB ${cause instanceof Error ? cause.name : 'error'}); retry later`,
      {
        cause,
      },
    )
  }
}

/** Errors the store reads itself (a failed condition says something about the data). */
const INTERPRETED = new Set(['TransactionCanceledException', 'ConditionalCheckFailedException'])

/** What `Io.send` throws once retries are spent: the store's own reading, or unavailable. */
export function asStoreError(err: unknown): unknown {
  if (err instanceof Error && INTERPRETED.has(err.name)) return err
  if (err instanceof StoreUnavailableError) return err
  return new StoreUnavailableError(err)
}
