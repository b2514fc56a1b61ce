/**
 * The log's files in DATA_DIR, one per generation. The log grows until it is rotated (the
 * store's `rotateBytes`): the database is checkpointed, so it holds everything durably, a new
 * generation is started and recorded in the database, and the old file is removed. Generation
 * 0 is `guildhall.log`, the only file of the log store this store replaced: a DATA_DIR it
 * wrote is imported by replaying it like any log the database has not applied yet, and kept
 * afterwards, renamed `guildhall.log.imported`.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { DB_FILE } from './database.ts'
import { HEADER_BYTES } from './frame.ts'
import { syncDir } from './log.ts'

export const LEGACY_LOG = 'guildhall.log'
export const IMPORTED_LOG = `${LEGACY_LOG}.imported`

export const logName = (gen: number): string => (gen === 0 ? LEGACY_LOG : `guildhall.${gen}.log`)

/** The generations whose files are in `dir`. */
export function logGenerations(dir: string): number[] {
  const gens: number[] = []
  for (const f of fs.readdirSync(dir)) {
    if (f === LEGACY_LOG) gens.push(0)
    const m = /^guildhall\.([1-9][0-9]*)\.log$/.exec(f)
    if (m) gens.push(Number(m[1]))
  }
  return gens.sort((a, b) => a - b)
}

/**
 * The generation a database without a log position starts from: 0 to import the log store's
 * `guildhall.log`, else 1 (a new directory, or one whose first transactions a crash took
 * back). Only later generations would mean the database that applied them is gone.
 */
export function firstGeneration(dir: string): number {
  const gens = logGenerations(dir)
  if (gens.includes(0)) return 0
  if (gens.some((g) => g > 1)) {
    throw new Error(
      `${dir} holds ${logName(gens.at(-1)!)} but no database that applied the generations before it: restore the database file, or move the logs out to start empty`,
    )
  }
  return 1
}

/**
 * Tidy what a rotation interrupted by a crash left, once the database says the log is at
 * generation `gen`: older files were applied and checkpointed before it moved on (removed;
 * generation 0 is kept, renamed), newer ones were created but never written to (removed).
 * `importedBytes` is the size of the `guildhall.log` the database imported, if it did: any
 * other one found beside it is not ours to rename, and is refused.
 */
export function settleLogs(dir: string, gen: number, importedBytes?: number): void {
  let changed = false
  for (const g of logGenerations(dir)) {
    if (g === gen) continue
    const file = path.join(dir, logName(g))
    if (g > gen && fs.statSync(file).size > HEADER_BYTES) {
      throw new Error(
        `${file} holds records past the database's log (${logName(gen)}): refusing to guess which is right`,
      )
    }
    if (g === 0 && fs.statSync(file).size !== importedBytes) {
      throw new Error(
        `${dir} holds a ${LEGACY_LOG} (a log of the store before this version) that its database did not import: move ${LEGACY_LOG} out of ${dir} to keep the database as it is, or move ${DB_FILE}* out to import the log instead`,
      )
    }
    if (g === 0) fs.renameSync(file, path.join(dir, freeName(dir, IMPORTED_LOG)))
    else fs.rmSync(file)
    changed = true
  }
  if (changed) syncDir(dir)
}

/** `name`, or `name.2`, `name.3`...: never overwrite a log kept earlier. */
function freeName(dir: string, name: string): string {
  let candidate = name
  for (let i = 2; fs.existsSync(path.join(dir, candidate)); i++) candidate = `${name}.${i}`
  return candidate
}
