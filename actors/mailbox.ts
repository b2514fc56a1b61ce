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
    if (!this.running) void this.run()
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

  private async run(): Promise<void> {
    this.running = true
    while (this.head < this.queue.length) {
      const task = this.queue[this.head]!
      this.queue[this.head++] = undefined as unknown as Task
      try {
        const result = task()
        if (result !== undefined) await result
      } catch (err) {
        this.onError(err)
      }
    }
    this.queue.length = 0
    this.head = 0
    this.running = false
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const w of waiters) w()
  }
}
