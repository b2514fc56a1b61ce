/**
 * Group commit on the main thread: the records of one event-loop turn, and those that arrive
 * while a commit is in flight, go out together (one log write and sync), across rooms, so a
 * busy node pays one sync per round, not per message. Each record's promise resolves with its answer
 * only once its transaction is durable.
 *
 * A failed commit fails its group and everything queued behind it (a room's next batch
 * continues the failed one's seqs), then every later write is refused until the store is
 * reopened: after a failed fsync the kernel may have dropped the pages, so carrying on could
 * acknowledge data that is not on disk (the PostgreSQL "fsyncgate" lesson).
 */
import { setImmediate } from 'node:timers'
import type { LogRecord } from './records.ts'

/** Makes a group of records durable, all or none; resolves each record's answer, in order. */
export type Commit = (records: LogRecord[]) => Promise<boolean[]>

interface Waiter {
  record: LogRecord
  resolve: (changed: boolean) => void
  reject: (e: Error) => void
}

export class GroupCommit {
  #queue: Waiter[] = []
  #flushing: Promise<void> | undefined
  #failed: Error | undefined
  #closed = false
  /** Transactions committed: one per group. */
  commits = 0

  readonly #commit: Commit
  constructor(commit: Commit) {
    this.#commit = commit
  }

  /** Resolves with whether the record changed anything, once it is durable. */
  write(record: LogRecord): Promise<boolean> {
    if (this.#failed) return Promise.reject(this.#failed)
    if (this.#closed) return Promise.reject(new Error('store closed'))
    return new Promise((resolve, reject) => {
      this.#queue.push({ record, resolve, reject })
      this.#flushing ??= this.#flush()
    })
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      // Each round starts in the event loop's check phase, after this turn's I/O callbacks:
      // every write the turn's socket reads lead to goes in one group, instead of the first
      // alone and the rest behind its sync (a thread-pool round trip and the kernel's journal).
      await new Promise((resolve) => setImmediate(resolve))
      const group = this.#queue
      this.#queue = []
      try {
        const answers = await this.#commit(group.map((w) => w.record))
        this.commits++
        for (const [i, w] of group.entries()) w.resolve(answers[i] ?? false)
      } catch (cause) {
        this.#failed = new Error('store write failed; reopen the store', { cause })
        for (const w of [...group, ...this.#queue]) w.reject(this.#failed)
        this.#queue = []
      }
    }
    this.#flushing = undefined
  }

  /** Wait for the writes already taken; refuse new ones. */
  async close(): Promise<void> {
    this.#closed = true
    await this.#flushing
  }
}
