/**
 * The push worker's limits, each a named option with its default, set by `NOTIFIER_<NAME>`
 * (upper snake case of the field, e.g. `NOTIFIER_MAX_CONCURRENT_PUSHES`) and listed in
 * docs/operations.md "Push worker" and the README.
 */

export interface NotifierOptions {
  /** Pushes (and device-list reads) in flight at once across every event being handled. */
  maxConcurrentPushes: number
  /** One push (FCM send or Web Push POST) is abandoned, and retried by redelivery, after this long. */
  pushTimeoutMs: number
  /** The notification's body: the message's first this many code points (cut on a grapheme). */
  maxBodyLength: number
  /** The sender's name in the title is cut to this many code points. */
  maxSenderNameLength: number
  /** ReceiveMessage's WaitTimeSeconds: how long one long poll waits for events (SQS: at most 20). */
  pollWaitSeconds: number
  /** ReceiveMessage's MaxNumberOfMessages: events taken per poll (SQS: at most 10). */
  receiveBatchSize: number
  /**
   * Each event received is hidden from other receives this long (ReceiveMessage's
   * VisibilityTimeout), and the worker extends it by as much every half of it while it still
   * handles the event, so a slow event (pushes waiting for the limiter, a hanging push service)
   * is never handed to a second receive meanwhile. An event left for a retry reappears at most
   * this long after its last extension.
   */
  visibilityTimeoutSeconds: number
  /** After a failed poll (queue unreachable, throttled), the worker waits this long before the next. */
  pollErrorBackoffMs: number
}

export const notifierDefaults: NotifierOptions = {
  maxConcurrentPushes: 16,
  pushTimeoutMs: 10_000,
  maxBodyLength: 120,
  maxSenderNameLength: 64,
  pollWaitSeconds: 20,
  receiveBatchSize: 10,
  visibilityTimeoutSeconds: 60,
  pollErrorBackoffMs: 1_000,
}

/** The largest value each option accepts (the SQS maxima for the receive options). */
export const notifierMaxima: NotifierOptions = {
  maxConcurrentPushes: 1_000,
  pushTimeoutMs: 120_000,
  maxBodyLength: 1_000,
  maxSenderNameLength: 128,
  pollWaitSeconds: 20,
  receiveBatchSize: 10,
  visibilityTimeoutSeconds: 43_200,
  pollErrorBackoffMs: 60_000,
}

/** `maxConcurrentPushes` → `NOTIFIER_MAX_CONCURRENT_PUSHES`. */
export function notifierEnvName(key: keyof NotifierOptions): string {
  return `NOTIFIER_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`
}
