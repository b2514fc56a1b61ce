/**
 * One process per data directory: two writers appending to one log would interleave frames
 * and fork seqs. A `LOCK` file holds the owner's pid; a lock whose pid is gone (a crash) is
 * taken over. Within one process a registry refuses a second open of the same directory.
 *
 * Limits: a pid means something only within one pid namespace, so the lock does not guard a
 * directory shared by two hosts or two containers (use one volume per node). Where the
 * runtime may not signal processes (Deno without --allow-run), a stale-looking lock cannot be
 * checked and is taken over, with a warning (`store_lock_unchecked`): there the lock guards
 * only against a second open in the same process.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import process from 'node:process'

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
}

const heldHere = new Set<string>()

export interface DirLock {
  /** True when an existing lock was taken over because its owner could not be checked. */
  unchecked: boolean
  release(): void
}

export function lockDir(dir: string): DirLock {
  const key = fs.realpathSync(dir)
  if (heldHere.has(key)) throw new DataDirLockedError(`${dir} is already open in this process`)
  const file = path.join(dir, 'LOCK')
  let unchecked = false
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify({ pid: process.pid }), { flag: 'wx' })
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e
    }
    const owner = readOwner(file)
    const alive = owner === undefined || owner === process.pid ? false : isAlive(owner)
    if (alive === true) throw new DataDirLockedError(`${dir} is in use by process ${owner}`)
    unchecked = alive === 'unknown'
    fs.rmSync(file, { force: true })
  }
  heldHere.add(key)
  return {
    unchecked,
    release() {
      if (!heldHere.delete(key)) return
      fs.rmSync(file, { force: true })
    },
  }
}

function readOwner(file: string): number | undefined {
  try {
    const pid = (JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown }).pid
    return typeof pid === 'number' ? pid : undefined
  } catch {
    return undefined // half-written by a crash: nobody holds it
  }
}

/** Signal 0 checks for existence without touching the process. */
function isAlive(pid: number): boolean | 'unknown' {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ESRCH') return false
    if (code === 'EPERM') return true // exists, owned by someone else
  }
  // No right to signal: Deno without --allow-run. Deno also hides /proc without --allow-all,
  // so there is no other way to ask.
  return 'unknown'
}
