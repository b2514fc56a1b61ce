/**
 * One generation of the write-ahead log (docs/storage.md): replay and repair on open, then
 * durable appends. The log is what makes a write durable; the database (writer.ts) is the
 * index it is applied to, so the log only needs replaying from where the database's last
 * durable transaction left it.
 *
 * Durability: `write` resolves only after the bytes are written and `fdatasync`ed. Group
 * commit (group-commit.ts) calls it once per group. A failed write or sync cuts the bytes off
 * again (best effort) and the log refuses all writes until it is reopened: after a failed
 * fsync the kernel may have dropped the pages, so carrying on could acknowledge data that is
 * not on disk (the PostgreSQL "fsyncgate" lesson).
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

export class LogFile {
  #failed: Error | undefined
  #closed = false
  #writing: Promise<void> | undefined

  private readonly fh: FileHandle
  private size: number
  private readonly sync: (fh: FileHandle) => Promise<void>
  private constructor(fh: FileHandle, size: number, sync: (fh: FileHandle) => Promise<void>) {
    this.fh = fh
    this.size = size
    this.sync = sync
  }

  /**
   * Open (creating if needed) the log at `file`, feed every intact record from offset `from`
   * on to `onRecord` in order, with the offset just past it, and cut off a torn or corrupt
   * tail. An error thrown by `onRecord` aborts the open.
   */
  static async open(
    file: string,
    from: number,
    onRecord: (payload: Uint8Array, end: number) => void,
    opts: LogOptions = {},
  ): Promise<{ log: LogFile; recovery?: Recovery }> {
    const fh = await openOrCreate(file)
    try {
      const size = (await fh.stat()).size
      const end = await replay(fh, size, from, onRecord)
      let recovery: Recovery | undefined
      if (end.offset < size) recovery = await cutTail(fh, file, end.offset, size, end.reason)
      return { log: new LogFile(fh, end.offset, opts.datasync ?? datasync), recovery }
    } catch (e) {
      await fh.close()
      throw e
    }
  }

  /** Bytes in the log, header included: the offset the next record starts at. */
  get bytes(): number {
    return this.size
  }

  /** Append framed bytes at the end; resolves once they are durable. One call at a time. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.#failed) throw this.#failed
    if (this.#closed) throw new Error('log closed')
    const done = this.#write(bytes)
    this.#writing = done.catch(() => {})
    return done
  }

  async #write(buf: Uint8Array): Promise<void> {
    try {
      await writeAll(this.fh, buf, this.size)
      await this.sync(this.fh)
      this.size += buf.length
    } catch (cause) {
      this.#failed = new Error(`log write failed; reopen the store`, { cause })
      // Best effort: drop the failed bytes so a restart does not resurrect a refused write,
      // before anyone hears of the refusal (a caller that saw it finds the bytes gone).
      await this.fh.truncate(this.size).catch(() => {})
      throw this.#failed
    }
  }

  /** Wait for a write in flight, then release the file. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#writing
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
  from: number,
  onRecord: (payload: Uint8Array, end: number) => void,
): Promise<{ offset: number; reason: string }> {
  const head = await readAt(fh, 0, Math.min(size, HEADER_BYTES))
  if (!isPrefixOf(head, MAGIC)) throw new Error('not a guildhall log, or a newer format version')
  if (size < HEADER_BYTES) {
    await writeAll(fh, MAGIC, 0)
    await fh.sync()
    return { offset: HEADER_BYTES, reason: 'ok' }
  }
  if (from < HEADER_BYTES || from > size) {
    throw new Error(
      `log is ${size} bytes, but the database has applied it up to ${from}: not the log it was applied from`,
    )
  }
  let base = from // file offset of buf[0]
  let buf: Uint8Array = new Uint8Array(0)
  let at = 0 // next frame, within buf
  for (;;) {
    const r = decodeFrame(buf, at)
    if (r.kind === 'frame') {
      onRecord(r.payload, base + r.next)
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
