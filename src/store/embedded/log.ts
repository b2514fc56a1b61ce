/**
 * The append-only log file: replay and repair on open, group commit while running.
 *
 * Durability: `append` resolves only after the bytes are written and `fdatasync`ed. Appends
 * that arrive while a sync is in flight wait and go out together in one write and one sync
 * (group commit across rooms), so a busy node pays one sync per round, not per message.
 *
 * A failed write or sync fails that group and everything queued behind it (later records may
 * depend on it: a room's next batch continues its seq), then the log refuses all writes until
 * it is reopened. After a failed fsync the kernel may have dropped the pages, so carrying on
 * could acknowledge data that is not on disk (the PostgreSQL "fsyncgate" lesson).
 */
import * as fs from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import * as path from 'node:path'
import { decodeFrame, HEADER_BYTES, MAGIC } from './frame.ts'

/** A torn tail is at most one group-commit write. Much more than that is not a crash but
 * damage: refuse to open rather than throw away acknowledged data. */
export const MAX_DISCARD_BYTES = 64 * 1024 * 1024
const READ_CHUNK = 4 * 1024 * 1024

export interface Recovery {
  /** File offset where the readable log ended and the rest was cut off. */
  offset: number
  bytes: number
  reason: string
  /** The cut-off bytes are kept here for an operator to inspect. */
  savedAs: string
}

export interface LogOptions {
  /**
   * Makes the bytes written so far durable; `append` resolves only after it does. Default
   * `fh.datasync()`. Tests pass one they can hold or fail, to prove nothing is acknowledged
   * before it (a crash of the process alone keeps the page cache, so it cannot tell).
   */
  datasync?: (fh: FileHandle) => Promise<void>
}

const datasync = (fh: FileHandle): Promise<void> => fh.datasync()

interface Waiter {
  bytes: Uint8Array
  resolve: () => void
  reject: (e: Error) => void
}

export class LogFile {
  #queue: Waiter[] = []
  #flushing: Promise<void> | undefined
  #failed: Error | undefined
  #closed = false

  private readonly fh: FileHandle
  private size: number
  private readonly sync: (fh: FileHandle) => Promise<void>
  private constructor(fh: FileHandle, size: number, sync: (fh: FileHandle) => Promise<void>) {
    this.fh = fh
    this.size = size
    this.sync = sync
  }

  /**
   * Open (creating if needed) the log at `file`, feed every intact record to `onRecord` in
   * order, and cut off a torn or corrupt tail. An error thrown by `onRecord` aborts the open.
   */
  static async open(
    file: string,
    onRecord: (payload: Uint8Array) => void,
    opts: LogOptions = {},
  ): Promise<{ log: LogFile; recovery?: Recovery }> {
    const fh = await openOrCreate(file)
    try {
      const size = (await fh.stat()).size
      const end = await replay(fh, size, onRecord)
      let recovery: Recovery | undefined
      if (end.offset < size) recovery = await cutTail(fh, file, end.offset, size, end.reason)
      return { log: new LogFile(fh, end.offset, opts.datasync ?? datasync), recovery }
    } catch (e) {
      await fh.close()
      throw e
    }
  }

  /** Bytes in the log, header included. */
  get bytes(): number {
    return this.size
  }

  /** Append already-framed bytes; resolves once they are durable. */
  append(bytes: Uint8Array): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed)
    if (this.#closed) return Promise.reject(new Error('log closed'))
    return new Promise((resolve, reject) => {
      this.#queue.push({ bytes, resolve, reject })
      this.#flushing ??= this.#flush()
    })
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const group = this.#queue
      this.#queue = []
      const buf = concat(group.map((w) => w.bytes))
      try {
        await writeAll(this.fh, buf, this.size)
        await this.sync(this.fh)
        this.size += buf.length
        for (const w of group) w.resolve()
      } catch (cause) {
        this.#failed = new Error(`log write failed; reopen the store`, { cause })
        // Best effort: drop the failed bytes so a restart does not resurrect a refused write,
        // before anyone hears of the refusal (a caller that saw it finds the bytes gone).
        await this.fh.truncate(this.size).catch(() => {})
        for (const w of [...group, ...this.#queue]) w.reject(this.#failed)
        this.#queue = []
      }
    }
    this.#flushing = undefined
  }

  /** Wait for queued writes, then release the file. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#flushing
    await this.fh.close()
  }
}

async function openOrCreate(file: string): Promise<FileHandle> {
  try {
    return await open(file, 'r+')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  // Header first, then sync the file and its directory entry: a crash leaves either no file
  // or a valid empty log (or a header prefix, which replay also accepts as empty).
  const fh = await open(file, 'wx+')
  await writeAll(fh, MAGIC, 0)
  await fh.sync()
  syncDir(path.dirname(file))
  return fh
}

/** Read frames from the start; return where the intact log ends and why. */
async function replay(
  fh: FileHandle,
  size: number,
  onRecord: (payload: Uint8Array) => void,
): Promise<{ offset: number; reason: string }> {
  const head = await readAt(fh, 0, Math.min(size, HEADER_BYTES))
  if (!isPrefixOf(head, MAGIC)) throw new Error('not a guildhall log, or a newer format version')
  if (size < HEADER_BYTES) {
    await writeAll(fh, MAGIC, 0)
    await fh.sync()
    return { offset: HEADER_BYTES, reason: 'ok' }
  }
  let base = HEADER_BYTES // file offset of buf[0]
  let buf: Uint8Array = new Uint8Array(0)
  let at = 0 // next frame, within buf
  for (;;) {
    const r = decodeFrame(buf, at)
    if (r.kind === 'frame') {
      onRecord(r.payload)
      at = r.next
      continue
    }
    if (r.kind === 'corrupt') return { offset: base + at, reason: r.reason }
    const loaded = base + buf.length
    if (loaded >= size) return { offset: base + at, reason: at < buf.length ? 'torn record' : 'ok' }
    const more = await readAt(fh, loaded, Math.min(size - loaded, Math.max(READ_CHUNK, r.need)))
    buf = concat([buf.subarray(at), more])
    base += at
    at = 0
  }
}

async function cutTail(fh: FileHandle, file: string, offset: number, size: number, reason: string): Promise<Recovery> {
  const bytes = size - offset
  if (bytes > MAX_DISCARD_BYTES) {
    throw new Error(
      `${file}: ${bytes} unreadable bytes from offset ${offset} (${reason}); too many for a torn write, refusing to cut them off`,
    )
  }
  const savedAs = `${file}.discarded-${offset}`
  fs.writeFileSync(savedAs, await readAt(fh, offset, bytes))
  await fh.truncate(offset)
  await fh.sync()
  syncDir(path.dirname(file))
  return { offset, bytes, reason, savedAs }
}

/** Make a created, renamed or removed directory entry durable. Best effort where the platform
 * cannot open a directory (Windows). */
export function syncDir(dir: string): void {
  let fd: number | undefined
  try {
    fd = fs.openSync(dir, 'r')
    fs.fsyncSync(fd)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL') throw e
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

export async function writeAll(fh: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let done = 0
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done)
    done += bytesWritten
  }
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buf = new Uint8Array(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done)
    if (bytesRead === 0) break
    done += bytesRead
  }
  return buf.subarray(0, done)
}

function isPrefixOf(bytes: Uint8Array, of: Uint8Array): boolean {
  return bytes.length <= of.length && bytes.every((b, i) => b === of[i])
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
