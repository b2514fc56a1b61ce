/**
 * One process per data directory: two writers appending to one log would interleave frames
 * and fork seqs. The owner holds an exclusive OS lock (`flock(2)`) on `DATA_DIR/LOCK` for as
 * long as the store is open (src/adapters/file-lock.ts: Deno's FsFile lock; on Node, which
 * has no flock API, a flock(1) call on our own descriptor, and that file says why not a native
 * addon). The kernel releases it when the owner dies, however it dies (SIGKILL, OOM), so a
 * crash never leaves a stale lock and a live owner is never mistaken for a dead one; Node
 * and Deno take the same lock, so they exclude each other. The file also holds the owner's
 * pid and runtime, only to name it in the refusal: the file existing means nothing, and it
 * is never deleted (deleting a lock file lets two processes lock two different inodes).
 * Within one process a registry refuses a second open of the same directory with a clearer
 * message.
 *
 * Limits: flock is local to one kernel. It does not guard a directory shared over NFS or by
 * two hosts (use one volume per node); containers on one host sharing a volume do exclude
 * each other.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import process from 'node:process'
import { runtimeName, tryLockFile } from '../../adapters/file-lock.ts'

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError'
}

export const LOCK_FILE = 'LOCK'

const heldHere = new Set<string>()

export interface DirLock {
  release(): void
}

export function lockDir(dir: string): DirLock {
  const key = fs.realpathSync(dir)
  if (heldHere.has(key)) throw new DataDirLockedError(`${dir} is already open in this process`)
  const file = path.join(dir, LOCK_FILE)
  const held = tryLockFile(file)
  if (!held) throw new DataDirLockedError(`${dir} is in use by ${holder(file)}; one server per data directory`)
  held.write(`${JSON.stringify({ pid: process.pid, runtime: runtimeName, since: new Date().toISOString() })}\n`)
  heldHere.add(key)
  return {
    release() {
      if (!heldHere.delete(key)) return
      held.release()
    },
  }
}

/** Who the file says holds it; it may not have written itself in yet. */
function holder(file: string): string {
  try {
    const { pid, runtime } = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown; runtime?: unknown }
    if (typeof pid === 'number') return `process ${pid}${typeof runtime === 'string' ? ` (${runtime})` : ''}`
  } catch {
    // empty or being written
  }
  return 'another process'
}
