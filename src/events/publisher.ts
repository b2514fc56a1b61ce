/**
 * The events port on SQS (docs/events.md "Events"): a room's `message.created` events, 10 to a
 * `SendMessageBatch` and under 256 KiB a call; on a FIFO queue one call after the other so a
 * room's events reach the queue in seq order, on a standard queue (which keeps no order) up
 * to 4 at once. Entries a batch refuses are sent again, only those, a few
 * times; what is still refused ends the publish there and the room publishes the rest again
 * later from its cursor. On a FIFO queue (URL ending in `.fifo`) `MessageGroupId` is the
 * room id and `MessageDeduplicationId` the message id; the room never has two calls in flight,
 * so never two batches of one room.
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
  /** Standard queues: batches of one publish sent at once. Default 4. FIFO queues: always 1. */
  concurrency?: number
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

  constructor(opts: SqsPublisherOptions) {
    this.client = opts.client
    this.queueUrl = opts.queueUrl
    this.fifo = opts.queueUrl.endsWith('.fifo')
    this.callTimeoutMs = opts.callTimeoutMs ?? 10_000
    this.entryRetries = opts.entryRetries ?? 3
    this.entryRetryMs = opts.entryRetryMs ?? 50
    this.maxBatchBytes = opts.maxBatchBytes ?? SQS_MAX_BYTES
    this.concurrency = Math.max(1, opts.concurrency ?? 4)
  }

  async publish(roomId: string, events: readonly MessageCreatedEvent[]): Promise<number> {
    const items = events.map((event) => ({ event, body: body(event) }))
    const all = batches(items, this.maxBatchBytes)
    return this.fifo ? this.inOrder(roomId, all) : this.together(roomId, all)
  }

  /** FIFO: one batch after the other, stopping at the first event not taken (the ones after
   * it would overtake it in the room's group). */
  private async inOrder(roomId: string, all: readonly Outgoing[][]): Promise<number> {
    let accepted = 0
    for (const batch of all) {
      const n = await this.sendBatch(roomId, batch)
      accepted += n
      if (n < batch.length) break
    }
    return accepted
  }

  /**
   * A standard queue keeps no order anyway: up to `concurrency` batches at once (one hot room
   * publishes several times faster). The answer is still the leading events taken, so the room
   * publishes again from the first one not taken (those after it that were taken arrive twice).
   */
  private async together(roomId: string, all: readonly Outgoing[][]): Promise<number> {
    const taken: number[] = new Array(all.length).fill(0)
    let next = 0
    let failure: unknown
    const worker = async () => {
      while (next < all.length) {
        const i = next++
        try {
          taken[i] = await this.sendBatch(roomId, all[i]!)
        } catch (err) {
          failure ??= err
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(this.concurrency, all.length) }, worker))
    let accepted = 0
    for (let i = 0; i < all.length; i++) {
      accepted += taken[i]!
      if (taken[i]! < all[i]!.length) break
    }
    if (accepted === 0 && failure !== undefined) throw failure
    return accepted
  }

  /** How many of the batch's leading events the queue took. Rejects when the call failed whole. */
  private async sendBatch(roomId: string, batch: readonly Outgoing[]): Promise<number> {
    const taken = new Set<number>()
    let entries = batch.map((item, i) => this.entry(roomId, item, i))
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
    let n = 0
    while (taken.has(n)) n++
    return n
  }

  private entry(roomId: string, item: Outgoing, i: number): SendMessageBatchRequestEntry {
    const entry: SendMessageBatchRequestEntry = { Id: String(i), MessageBody: item.body }
    if (this.fifo) {
      entry.MessageGroupId = roomId
      entry.MessageDeduplicationId = item.event.messageId
    }
    return entry
  }
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

/** Bodies cut into batches of at most 10 entries and `maxBytes` in all, in order. */
export function batches<T extends { body: string }>(items: readonly T[], maxBytes: number): T[][] {
  const out: T[][] = []
  let current: T[] = []
  let bytes = 0
  for (const b of items) {
    const size = utf8.encode(b.body).length
    if (current.length > 0 && (current.length >= SQS_MAX_BATCH || bytes + size > maxBytes)) {
      out.push(current)
      current = []
      bytes = 0
    }
    current.push(b)
    bytes += size
  }
  if (current.length > 0) out.push(current)
  return out
}
