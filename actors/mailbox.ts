/**
 * The input gate: an actor's events run one at a time, in arrival order, even when a handler
 * awaits. Synchronous handlers run at once without a promise per event, which keeps a busy
 * room cheap.
 */
export type Task = () => void | Promise<void>

export class Mailbox {
  private readonly queue: Task[] = []
  private head = 0
  private running = false
  private idleWaiters: Array<() => void> = []

  private readonly onError: (err: unknown) => void
  constructor(onError: (err: unknown) => void) {
    this.onError = onError
  }

  post(task: Task): void {
    this.queue.push(task)
    if (!this.running) this.run()
  }

  /** Post and wait for this task to have run. */
  call<T>(task: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.post(async () => {
        try {
          resolve(await task())
        } catch (err) {
          reject(err)
        }
      })
    })
  }

  get idle(): boolean {
    return !this.running && this.head === this.queue.length
  }

  /** Resolves once every task posted so far (and any they post) has run. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /**
   * Runs the queue until it is empty or a task returns a promise; then `resumeAfter` awaits
   * it and runs on. The same schedule as one async loop that awaits each promise a task
   * returns (the await and the resumption are the same), without an async function's promise
   * for the runs whose tasks are all synchronous (most events: a presence, a delivery).
   */
  private run(): void {
    this.running = true
    while (this.head < this.queue.length) {
      const task = this.queue[this.head]!
      this.queue[this.head++] = undefined as unknown as Task
      let result: void | Promise<void>
      try {
        result = task()
      } catch (err) {
        this.onError(err)
        continue
      }
      if (result !== undefined) {
        void this.resumeAfter(result)
        return
      }
    }
    this.queue.length = 0
    this.head = 0
    this.running = false
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }

  private async resumeAfter(result: Promise<void>): Promise<void> {
    try {
      await result
    } catch (err) {
      this.onError(err)
    }
    this.run()
  }
}
