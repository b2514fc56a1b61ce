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
  const timestamp = isoClock(opts.now ?? Date.now)
  // The base fields are serialized once: each line splices them in after `event`.
  const baseJson = membersOf(stringify(opts.base ?? {}))
  const log = (level: Level) => (event: string, fields?: Record<string, unknown>) => {
    write(line(timestamp(), level, event, baseJson, fields))
  }
  return { info: log('info'), warn: log('warn'), error: log('error'), flush: () => batch?.flush() }
}

/**
 * One line, built as a string: `{"ts","level","event",...base,...fields}` with one
 * JSON.stringify of the caller's fields and no merged object (a connect logs a line, so this is
 * on every connection's path). A field named like a leading key (ts, level, event or a base
 * field) appears twice; JSON.parse keeps the later, as the spread it replaces did.
 */
function line(ts: string, level: Level, event: string, baseJson: string, fields?: Record<string, unknown>): string {
  let out = `{"ts":"${ts}","level":"${level}","event":${JSON.stringify(event)}`
  if (baseJson !== '') out += `,${baseJson}`
  if (fields === undefined) return `${out}}`
  let fieldsJson: string
  try {
    fieldsJson = membersOf(stringify(fields))
  } catch {
    return `${out},"unserializable":true}`
  }
  return fieldsJson === '' ? `${out}}` : `${out},${fieldsJson}}`
}

/** The members of a serialized object, without its braces (`""` for `{}`). */
function membersOf(json: string): string {
  return json.slice(1, -1)
}

/** ISO timestamps, formatted once per millisecond: a connection storm logs many lines in one. */
function isoClock(now: () => number): () => string {
  let lastMs = Number.NaN
  let last = ''
  return () => {
    const ms = now()
    if (ms !== lastMs) {
      lastMs = ms
      last = new Date(ms).toISOString()
    }
    return last
  }
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

// Errors carry their message and name into the line. The replacer is only passed when a field
// is an object (an Error or something that may hold one): JSON.stringify is much slower with
// one, and the usual fields (ids, codes) are primitives. A field that cannot be serialized
// (a cycle, a BigInt) throws here, and the line keeps its leading keys.
function stringify(record: Record<string, unknown>): string {
  for (const key in record) {
    const value = record[key]
    if (typeof value === 'object' && value !== null) return JSON.stringify(record, withErrors)
  }
  return JSON.stringify(record)
}

function withErrors(_key: string, value: unknown): unknown {
  return value instanceof Error ? { name: value.name, message: value.message } : value
}
