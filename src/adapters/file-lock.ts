/**
 * An exclusive `flock(2)` lock on a file, taken without waiting, the same on Node and on Deno,
 * so that a Node and a Deno process exclude each other. The kernel drops the lock when the
 * holder's last descriptor of the file closes, which includes any death of the process, even
 * SIGKILL: a lock can never be left behind.
 *
 * Deno: `Deno.FsFile#tryLockSync`, which is `flock(LOCK_EX | LOCK_NB)` on Unix.
 * Node has no flock API. A flock lock belongs to the open file description, not the process,
 * so we open the file and hand that descriptor to a short-lived `flock -xn 3` (util-linux,
 * Debian-essential; busybox has it too), which locks the description we share and exits; our
 * descriptor keeps it held until we close it or die. Where `flock(1)` is missing (macOS),
 * `perl` does the same one call. This needs no native addon to build (fs-ext: node-gyp at
 * install; os-lock takes fcntl locks, which on Linux do not conflict with Deno's flock) and no
 * helper process staying alive (a helper holding the lock could outlive us or die before us).
 */
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'

export interface HeldFileLock {
  /** Replace the file's contents (who holds it), through the locked descriptor. */
  write(text: string): void
  /** Empty the file and drop the lock. */
  release(): void
}

interface DenoFile {
  tryLockSync(exclusive?: boolean): boolean
  truncateSync(len?: number): void
  seekSync(offset: number, whence: number): number
  writeSync(p: Uint8Array): number
  close(): void
}
const deno = (globalThis as { Deno?: { openSync(path: string, opts: object): DenoFile } }).Deno

/** The runtime name written next to the pid, so a refusal can say who holds a directory. */
export const runtimeName: 'node' | 'deno' = deno ? 'deno' : 'node'

/** Lock `file` (created if missing); `undefined` when another open file holds the lock. */
export function tryLockFile(file: string): HeldFileLock | undefined {
  return deno ? tryLockDeno(file) : tryLockNode(file)
}

function tryLockDeno(file: string): HeldFileLock | undefined {
  const f = deno!.openSync(file, { read: true, write: true, create: true })
  if (!f.tryLockSync(true)) {
    f.close()
    return undefined
  }
  return {
    write(text) {
      f.truncateSync(0)
      f.seekSync(0, 0)
      let bytes = new TextEncoder().encode(text)
      while (bytes.length > 0) bytes = bytes.subarray(f.writeSync(bytes))
    },
    release() {
      f.truncateSync(0)
      f.close() // closing the only descriptor drops the lock
    },
  }
}

/** Each helper locks its descriptor 3 and exits 0, or exits 1 when it is locked elsewhere. */
const helpers: [string, string[]][] = [
  ['flock', ['-xn', '3']],
  ['perl', ['-MFcntl=:flock', '-e', 'open(my $f, "+<&=3") or exit 2; flock($f, LOCK_EX | LOCK_NB) or exit 1']],
]

function tryLockNode(file: string): HeldFileLock | undefined {
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644)
  try {
    if (!flockNode(fd)) {
      fs.closeSync(fd)
      return undefined
    }
  } catch (e) {
    fs.closeSync(fd)
    throw e
  }
  return {
    write(text) {
      fs.ftruncateSync(fd, 0)
      fs.writeSync(fd, text, 0)
    },
    release() {
      fs.ftruncateSync(fd, 0)
      fs.closeSync(fd) // libuv opens with O_CLOEXEC, so no child of ours shares it: this drops the lock
    },
  }
}

function flockNode(fd: number, candidates = helpers): boolean {
  const missing: string[] = []
  for (const [cmd, args] of candidates) {
    const run = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe', fd], encoding: 'utf8' })
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      missing.push(cmd)
      continue
    }
    if (run.status === 0) return true
    if (run.status === 1) return false
    throw new Error(
      `${cmd} could not lock the file: ${run.error?.message || run.stderr.trim() || `exit ${run.status}`}`,
    )
  }
  throw new Error(`locking a file needs ${missing.join(' or ')} on the PATH`)
}

/** For tests: lock through one chosen helper. */
export const testing = { flockNode, helpers }
