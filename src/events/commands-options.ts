/**
 * The commands consumer's limits (docs/events.md "Commands"), each a named option with its
 * default, set by `COMMANDS_<NAME>` (upper snake case of the field, e.g.
 * `COMMANDS_MAX_CONCURRENT`) and listed in docs/operations.md and the README.
 */

export interface CommandsOptions {
  /** Commands handled at once; the consumer asks SQS for no more than it has room for. */
  maxConcurrent: number
  /** ReceiveMessage's WaitTimeSeconds: how long one long poll waits (SQS: at most 20). */
  pollWaitSeconds: number
  /** ReceiveMessage's MaxNumberOfMessages: commands taken per poll (SQS: at most 10). */
  receiveBatchSize: number
  /**
   * Each command received is hidden this long (ReceiveMessage's VisibilityTimeout): a command
   * left for a retry (the store unavailable, the room unreachable) comes back after it. Longer
   * than a post's longest wait for a moving room (`LIMIT_ROOM_MOVE_TIMEOUT_MS`, 30 s), so a
   * command is not handed out twice while it is still being handled.
   */
  visibilityTimeoutSeconds: number
  /**
   * A malformed command is made visible again after this long (ChangeMessageVisibility), so it
   * is received again soon and reaches the queue's dead-letter queue after its
   * maxReceiveCount instead of after that many visibility timeouts.
   */
  malformedRetrySeconds: number
  /** After a failed poll (queue unreachable, throttled) the first wait; it doubles up to `pollErrorBackoffMaxMs`. */
  pollErrorBackoffMs: number
  /** The longest wait between failed polls. */
  pollErrorBackoffMaxMs: number
}

export const commandsDefaults: CommandsOptions = {
  maxConcurrent: 10,
  pollWaitSeconds: 20,
  receiveBatchSize: 10,
  visibilityTimeoutSeconds: 60,
  malformedRetrySeconds: 1,
  pollErrorBackoffMs: 1_000,
  pollErrorBackoffMaxMs: 30_000,
}

/** The smallest and largest value each option accepts (the SQS bounds for the receive options). */
export const commandsBounds: Record<keyof CommandsOptions, [number, number]> = {
  maxConcurrent: [1, 1_000],
  pollWaitSeconds: [0, 20],
  receiveBatchSize: [1, 10],
  visibilityTimeoutSeconds: [1, 43_200],
  malformedRetrySeconds: [0, 43_200],
  pollErrorBackoffMs: [1, 60_000],
  pollErrorBackoffMaxMs: [1, 600_000],
}

/** `maxConcurrent` → `COMMANDS_MAX_CONCURRENT`. */
export function commandsEnvName(key: keyof CommandsOptions): string {
  return `COMMANDS_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`
}

/** The options from `COMMANDS_*` variables; each problem (a bad value, an unknown name) is pushed to `problems`. */
export function parseCommandsOptions(env: Record<string, string | undefined>, problems: string[]): CommandsOptions {
  const options = { ...commandsDefaults }
  const keys = Object.keys(commandsDefaults) as (keyof CommandsOptions)[]
  const known = new Set<string>(['COMMANDS_QUEUE_URL', ...keys.map(commandsEnvName)])
  for (const key of keys) {
    const name = commandsEnvName(key)
    const raw = env[name]
    if (raw === undefined || raw === '') continue
    const [min, max] = commandsBounds[key]
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
    if (value >= min && value <= max) options[key] = value
    else problems.push(`${name}: expected a whole number from ${min} to ${max}`)
  }
  for (const name of Object.keys(env))
    if (name.startsWith('COMMANDS_') && !known.has(name)) problems.push(`${name}: not a known commands option`)
  if (options.pollErrorBackoffMs > options.pollErrorBackoffMaxMs)
    problems.push(
      `${commandsEnvName('pollErrorBackoffMs')}, ${commandsEnvName('pollErrorBackoffMaxMs')}: the first wait is over the longest`,
    )
  return options
}
