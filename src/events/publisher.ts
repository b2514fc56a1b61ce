/**
 * The events port on SQS (docs/events.md "Events"): the `message.created` events of every room
 * of this node, 10 to a `SendMessageBatch` and under 256 KiB a call. One publisher serves the
 * whole node and fills each call from all the rooms with events waiting: a call costs the
 * server about as much CPU as a hundred deliveries (docs/benchmarks.md "Events"), so rooms
 * share calls instead of each paying its own. A call that is not full waits up to
 * `batchWaitMs` for other rooms' events; a full one goes at once; at most `concurrency` calls
 * are in flight.
 *
 * On a FIFO queue (URL ending in `.fifo`) `MessageGroupId` is the room id and
 * `MessageDeduplicationId` the message id; entries of several rooms share a call, a room's
 * entries stay in seq order within it, and a room never has two calls in flight (its next
 * events wait for the answer, and stop at the first one not taken: the ones after it would
 * overtake it in the room's group). A standard queue keeps no order: a room's batches may go
 * at once. Entries a batch refuses are sent again, only those, a few times; what is still
 * refused ends the publish there and the room publishes the rest again later from its cursor.
 * Each publish answers for its own room: how many of its leading events the queue took.
 *
 * The client is the SDK's, with its own configuration: region, credentials chain, and
 * `AWS_ENDPOINT_URL_SQS` (src/events/sqs-client.ts). Each call is cut after `callTimeoutMs`,
 * the SDK's retries included, so a queue that hangs fails a publish instead of holding it.
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs'
import type { EventPublisher, MessageCreatedEvent } from '../../actors/events.ts'

/** SQS's cap on a message and on a whole batch (the sum of its bodies). */
export const SQS_MAX_BYTES = 256 * 1024
/** SQS's cap on entries in one batch. */
export const SQS_MAX_BATCH = 10

export interface SqsPublisherOptions {
  client: Pick<SQSClient, 'send'>
  queueUrl: string
  /** One SendMessageBatch call, the SDK's own retries included, is abandoned after this. Default 10 s. */
  callTimeoutMs?: number
  /** Times the entries a batch refused are sent again before the publish stops there. Default 3. */
  entryRetries?: number
  /** Wait before resending refused entries, doubled each time. Default 50 ms. */
  entryRetryMs?: number
  /** Under SQS's cap by default; tests lower it. */
  maxBatchBytes?: number
  /** SendMessageBatch calls in flight at once, all rooms of the node together. Default 16. */
  concurrency?: number
  /** A call with fewer than 10 entries waits this long (from its oldest entry's publish) for other rooms' events.
   * Default 50 ms. */
  batchWaitMs?: number
}

export class SqsEventPublisher implements EventPublisher {
  readonly fifo: boolean
  private readonly client: Pick<SQSClient, 'send'>
  private readonly queueUrl: string
  private readonly callTimeoutMs: number
  private readonly entryRetries: number
  private readonly entryRetryMs: number
  private readonly maxBatchBytes: number
  private readonly concurrency: number
  private readonly batchWaitMs: number
  /** Publishes with events still to send or in flight, in arrival order. */
  private jobs: Job[] = []
  private inFlight = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private timerAt = Number.POSITIVE_INFINITY

  constructor(opts: SqsPublisherOptions) {
    this.client = opts.client
    this.queueUrl = opts.queueUrl
    this.fifo = opts.queueUrl.endsWith('.fifo')
    this.callTimeoutMs = opts.callTimeoutMs ?? 10_000
    this.entryRetries = opts.entryRetries ?? 3
    this.entryRetryMs = opts.entryRetryMs ?? 50
    this.maxBatchBytes = opts.maxBatchBytes ?? SQS_MAX_BYTES
    this.concurrency = Math.max(1, opts.concurrency ?? 16)
    this.batchWaitMs = Math.max(0, opts.batchWaitMs ?? 50)
  }

  publish(roomId: string, events: readonly MessageCreatedEvent[]): Promise<number> {
    if (events.length === 0) return Promise.resolve(0)
    return new Promise<number>((resolve, reject) => {
      const items = events.map((event) => {
        const text = body(event)
        return { event, body: text, bytes: utf8.encode(text).length }
      })
      this.jobs.push({
        roomId,
        items,
        next: 0,
        taken: new Array<boolean>(items.length).fill(false),
        inFlight: 0,
        stopped: false,
        failure: undefined,
        readySince: performance.now(),
        resolve,
        reject,
      })
      this.dispatch()
    })
  }

  /** Sends every batch that is full or has waited long enough, up to `concurrency` calls. */
  private dispatch(): void {
    while (this.inFlight < this.concurrency) {
      const batch = this.collect()
      if (!batch) break
      this.inFlight++
      void this.fly(batch).finally(() => {
        this.inFlight--
        this.dispatch()
      })
    }
  }

  /** The next batch to send now, its events taken from the jobs; undefined when none is due (a timer is set). */
  private collect(): Slot[] | undefined {
    const slots: Slot[] = []
    let bytes = 0
    let full = false
    let oldest = Number.POSITIVE_INFINITY
    for (const job of this.jobs) {
      if (full) break
      if (job.stopped || job.next >= job.items.length || (this.fifo && job.inFlight > 0)) continue
      let took = false
      for (let i = job.next; i < job.items.length; i++) {
        const size = job.items[i]!.bytes
        if (slots.length >= SQS_MAX_BATCH || (slots.length > 0 && bytes + size > this.maxBatchBytes)) {
          full = true
          break
        }
        slots.push({ job, index: i })
        bytes += size
        took = true
      }
      if (took) oldest = Math.min(oldest, job.readySince)
      if (slots.length >= SQS_MAX_BATCH) full = true
    }
    if (slots.length === 0) return undefined
    const due = oldest + this.batchWaitMs
    if (!full && performance.now() < due) {
      this.wakeAt(due)
      return undefined
    }
    for (const slot of slots) slot.job.next = Math.max(slot.job.next, slot.index + 1)
    for (const job of new Set(slots.map((s) => s.job))) job.inFlight++
    return slots
  }

  private wakeAt(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.timerAt = Number.POSITIVE_INFINITY
        this.dispatch()
      },
      Math.max(0, at - performance.now()),
    )
  }

  /** One batch: sent, its refused entries sent again; then each of its jobs learns what was taken. */
  private async fly(slots: readonly Slot[]): Promise<void> {
    try {
      const taken = await this.sendBatch(slots)
      for (const [k, slot] of slots.entries()) if (taken.has(k)) slot.job.taken[slot.index] = true
    } catch (err) {
      for (const slot of slots) slot.job.failure ??= err
    }
    const now = performance.now()
    for (const job of new Set(slots.map((s) => s.job))) {
      job.inFlight--
      job.readySince = now
      // FIFO: an event not taken stops its room's publish there (the later ones would overtake it).
      if (this.fifo && slots.some((s) => s.job === job && !job.taken[s.index])) job.stopped = true
      if (job.inFlight === 0 && (job.stopped || job.next >= job.items.length)) this.settle(job)
    }
  }

  /** The job is over: its leading events taken are its answer. */
  private settle(job: Job): void {
    this.jobs.splice(this.jobs.indexOf(job), 1)
    let n = 0
    while (n < job.taken.length && job.taken[n]) n++
    if (n === 0 && job.failure !== undefined) job.reject(job.failure)
    else job.resolve(n)
  }

  /** The batch's entries the queue took, by position. Rejects when the call failed whole. */
  private async sendBatch(slots: readonly Slot[]): Promise<Set<number>> {
    const taken = new Set<number>()
    let entries = slots.map((slot, k) => this.entry(slot, k))
    for (let attempt = 0; ; attempt++) {
      const out = await this.client.send(new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }), {
        abortSignal: AbortSignal.timeout(this.callTimeoutMs),
      })
      for (const ok of out.Successful ?? []) taken.add(Number(ok.Id))
      const failed = new Set((out.Failed ?? []).map((f) => f.Id))
      // Only the refused entries go again.
      entries = entries.filter((e) => failed.has(e.Id) && !taken.has(Number(e.Id)))
      if (entries.length === 0 || attempt >= this.entryRetries) break
      await new Promise((resolve) => setTimeout(resolve, this.entryRetryMs * 2 ** attempt))
    }
    return taken
  }

  private entry(slot: Slot, k: number): SendMessageBatchRequestEntry {
    const item = slot.job.items[slot.index]!
    const entry: SendMessageBatchRequestEntry = { Id: String(k), MessageBody: item.body }
    if (this.fifo) {
      entry.MessageGroupId = slot.job.roomId
      entry.MessageDeduplicationId = item.event.messageId
    }
    return entry
  }
}

/** One room's publish: its events, how far they were sent, which the queue took. */
interface Job {
  roomId: string
  items: Array<Outgoing & { bytes: number }>
  /** The first event not yet sent. */
  next: number
  taken: boolean[]
  /** Batches with some of its events in flight (FIFO: at most 1). */
  inFlight: number
  /** FIFO: an event was not taken; nothing after it is sent. */
  stopped: boolean
  /** The first whole-call failure, the answer when nothing was taken. */
  failure: unknown
  /** When its unsent events became ready to go (the publish, or its last batch's answer). */
  readySince: number
  resolve: (accepted: number) => void
  reject: (err: unknown) => void
}

/** One entry of a batch: a job's event. */
interface Slot {
  job: Job
  index: number
}

/** An event and its body. */
export interface Outgoing {
  event: MessageCreatedEvent
  body: string
}

/**
 * The event's JSON as an SQS body. SQS refuses the characters U+FFFE and U+FFFF (and lone
 * surrogates, which JSON.stringify already escapes): they are written as JSON escapes, so
 * any text a user sent is a valid message, and the body parses to the same event.
 */
export function body(event: MessageCreatedEvent): string {
  return JSON.stringify(event).replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`)
}

const utf8 = new TextEncoder()
