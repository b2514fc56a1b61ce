/**
 * Compaction: rewrite the log as the records that rebuild the current state, dropping
 * superseded read markers, room updates and removed memberships. Messages are never dropped,
 * so a log of mostly messages does not shrink; the win is on read-marker churn, which writes
 * one record per `read` frame.
 *
 * Runs only on open, before the store takes writes, so it never races an append. Crash-safe:
 * the new log is written to a side file, synced, then renamed over the old one; a crash
 * leaves either the old log (and a side file, removed next time) or the new one.
 */
import * as fs from 'node:fs'
import { open } from 'node:fs/promises'
import * as path from 'node:path'
import { encodeFrame, MAGIC } from './frame.ts'
import { concat, syncDir, writeAll } from './log.ts'
import { encodeRecord } from './records.ts'
import type { State } from './state.ts'

const WRITE_CHUNK = 1024 * 1024

export function compactionPath(file: string): string {
  return `${file}.compact`
}

export async function compact(file: string, state: State): Promise<void> {
  const side = compactionPath(file)
  const fh = await open(side, 'w')
  try {
    let at = 0
    let pending: Uint8Array[] = [MAGIC]
    let pendingBytes = MAGIC.length
    const flush = async () => {
      const buf = concat(pending)
      await writeAll(fh, buf, at)
      at += buf.length
      pending = []
      pendingBytes = 0
    }
    for (const record of state.snapshot()) {
      const frame = encodeFrame(encodeRecord(record))
      pending.push(frame)
      pendingBytes += frame.length
      if (pendingBytes >= WRITE_CHUNK) await flush()
    }
    await flush()
    await fh.sync()
  } finally {
    await fh.close()
  }
  fs.renameSync(side, file)
  syncDir(path.dirname(file))
}
