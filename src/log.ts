/**
 * The structured event log: one JSON object per line, `{"ts","level","event",...fields}`.
 * Events name what happened (`ws_open`, `http_refused`, ...); fields carry ids and codes,
 * never message text.
 */
import type { Logger } from '../actors/ports.ts'

export type Level = 'info' | 'warn' | 'error'

export interface JsonLoggerOptions {
  /** Where each line goes; stdout by default (via console.log, which both runtimes have). */
  write?: (line: string) => void
  /** Fields added to every line, e.g. `{ node: "a" }`. */
  base?: Record<string, unknown>
  /** Clock for the `ts` field (tests pass a fixed one). */
  now?: () => number
}

export function createJsonLogger(opts: JsonLoggerOptions = {}): Logger {
  const write = opts.write ?? ((line: string) => console.log(line))
  const now = opts.now ?? Date.now
  const base = opts.base ?? {}
  const log = (level: Level) => (event: string, fields: Record<string, unknown> = {}) => {
    write(stringify({ ts: new Date(now()).toISOString(), level, event, ...base, ...fields }))
  }
  return { info: log('info'), warn: log('warn'), error: log('error') }
}

/** A logger that keeps its lines in memory, for tests. */
export function createMemoryLogger(): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const logger = createJsonLogger({ write: (line) => lines.push(JSON.parse(line)) })
  return Object.assign(logger, { lines })
}

// Errors carry their message and name into the line; a field that cannot be serialized
// (a cycle, a BigInt) must not cost us the whole line.
function stringify(record: Record<string, unknown>): string {
  try {
    return JSON.stringify(record, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : value,
    )
  } catch {
    return JSON.stringify({ ts: record.ts, level: record.level, event: record.event, unserializable: true })
  }
}
