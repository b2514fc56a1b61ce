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

export function createJsonLogger(opts: JsonLoggerOptions = {}): Logger & { flush(): void } {
  const batch = opts.write ? undefined : batchedConsole()
  const write = opts.write ?? batch!.write
  const now = opts.now ?? Date.now
  const base = opts.base ?? {}
  const log =
    (level: Level) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      write(stringify({ ts: new Date(now()).toISOString(), level, event, ...base, ...fields }))
    }
  return { info: log('info'), warn: log('warn'), error: log('error'), flush: () => batch?.flush() }
}

/**
 * Lines gathered and written with one console.log per turn of the event loop: a connection
 * storm logs a line per connection, and stdout to a file or pipe is a synchronous write each
 * time. Call `flush` before exiting.
 */
function batchedConsole(): { write(line: string): void; flush(): void } {
  let lines: string[] = []
  const flush = () => {
    if (lines.length === 0) return
    const out = lines.join('\n')
    lines = []
    console.log(out)
  }
  return {
    write(line) {
      if (lines.push(line) === 1) setTimeout(flush, 0)
    },
    flush,
  }
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
