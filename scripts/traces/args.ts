/**
 * The traces CLI's arguments (`npm run traces -- --room <roomId> [--since 15m] [--message <id>]
 * [--limit 50]`), checked before anything is asked of X-Ray: a bad one is a usage error (exit 2).
 *
 * Room and message ids follow the wire contract (docs/protocol.md "Rooms"), which also keeps
 * them from ever carrying a quote into the filter expression.
 */
import { parseArgs } from 'node:util'

export const usage = 'usage: npm run traces -- --room <roomId> [--since 15m] [--message <messageId>] [--limit 50]'

/** The longest look-back: one day (X-Ray keeps traces 30 days; see docs/operations.md). */
export const MAX_SINCE_MS = 24 * 3_600_000
export const DEFAULT_SINCE = '15m'
export const DEFAULT_LIMIT = 50
export const MAX_LIMIT = 1_000

const ID = /^[A-Za-z0-9_-]{1,64}$/
const ROOM = /^(?:GUILD#)?[A-Za-z0-9_-]{1,64}$/
const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

export interface TracesArgs {
  room: string
  message?: string
  /** How far back from now, in milliseconds. */
  sinceMs: number
  since: string
  /** At most this many traces are fetched and printed (the newest). */
  limit: number
  help: boolean
}

/** A usage error: its message is printed with the usage line, and the CLI exits 2. */
export class UsageError extends Error {}

/** `30s`, `15m`, `2h`, `1d` → milliseconds, or undefined when malformed. */
export function parseSince(text: string): number | undefined {
  const m = /^(\d{1,6})([smhd])$/.exec(text.trim())
  if (!m) return undefined
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}

function parseOptions(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: false,
      strict: true,
      options: {
        room: { type: 'string' },
        since: { type: 'string', default: DEFAULT_SINCE },
        message: { type: 'string' },
        limit: { type: 'string', default: String(DEFAULT_LIMIT) },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

export function parseTracesArgs(argv: readonly string[]): TracesArgs {
  const { values } = parseOptions(argv)
  const since = values.since!
  const base = { since, sinceMs: 0, limit: DEFAULT_LIMIT, room: '', help: values.help === true }
  if (base.help) return base
  const room = values.room
  if (room === undefined) throw new UsageError('--room is required')
  if (!ROOM.test(room)) {
    throw new UsageError(
      `--room ${JSON.stringify(room)}: a room id is 1 to 64 of A-Z a-z 0-9 _ -, or GUILD#<guildId> with the same rule`,
    )
  }
  const message = values.message
  if (message !== undefined && !ID.test(message)) {
    throw new UsageError(`--message ${JSON.stringify(message)}: a message id is 1 to 64 of A-Z a-z 0-9 _ -`)
  }
  const sinceMs = parseSince(since)
  if (sinceMs === undefined || sinceMs <= 0) {
    throw new UsageError(
      `--since ${JSON.stringify(since)}: expected a positive whole number with a unit, e.g. 30s, 15m, 2h`,
    )
  }
  if (sinceMs > MAX_SINCE_MS) throw new UsageError(`--since ${since}: at most 24h`)
  const limitText = values.limit!
  const limit = /^\d{1,7}$/.test(limitText) ? Number(limitText) : NaN
  if (!(limit >= 1 && limit <= MAX_LIMIT))
    throw new UsageError(`--limit ${JSON.stringify(limitText)}: expected a whole number from 1 to ${MAX_LIMIT}`)
  return { room, ...(message !== undefined && { message }), since, sinceMs, limit, help: false }
}
