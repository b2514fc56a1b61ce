/**
 * The filesystem under the embedded store's DATA_DIR, recorded beside the numbers: the store
 * fsyncs every group commit, and what that costs is the filesystem's. On tmpfs (the usual
 * `os.tmpdir()` in containers and CI) fsync costs nothing and the durability cost vanishes from
 * the results, so the harness refuses it.
 */
import { statfsSync } from 'node:fs'

/**
 * statfs(2) f_type magic numbers (linux/magic.h) of the filesystems a benchmark meets; a Map, so
 * they stay in hex as the header writes them.
 */
const MAGIC = new Map<number, string>([
  [0xef53, 'ext2/3/4'],
  [0x58465342, 'xfs'],
  [0x9123683e, 'btrfs'],
  [0x794c7630, 'overlayfs'],
  [0x2fc12fc1, 'zfs'],
  [0xf2f52010, 'f2fs'],
  [0x6969, 'nfs'],
  [0x65735546, 'fuse'],
  [0x01021997, '9p'],
  [0x6a656a63, 'virtiofs'],
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
])

/** Filesystems in memory, where fsync is free. */
const IN_MEMORY = new Set(['tmpfs', 'ramfs'])

export interface Filesystem {
  /** A name from MAGIC, or `unknown (0x…)`. */
  type: string
  magic: string
  inMemory: boolean
}

export function filesystemOf(path: string): Filesystem {
  return describeMagic(statfsSync(path).type)
}

export function describeMagic(f_type: number): Filesystem {
  const magic = f_type >>> 0
  const type = MAGIC.get(magic) ?? `unknown (0x${magic.toString(16)})`
  return { type, magic: `0x${magic.toString(16)}`, inMemory: IN_MEMORY.has(type) }
}

/** Why `path` cannot hold a benchmark's DATA_DIR, or undefined when it can. */
export function refusal(path: string): string | undefined {
  const fs = filesystemOf(path)
  if (!fs.inMemory) return undefined
  return `${path} is on ${fs.type}: fsync costs nothing there, so the embedded store's durability cost would vanish from the numbers; pass --data-dir=<a directory on disk>`
}
