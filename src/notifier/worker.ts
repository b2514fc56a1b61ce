/**
 * The push worker's loop: long-poll the events queue, hand each `message.created` to
 * deliverEvent, delete it once every device was handled; otherwise leave it, so SQS makes it
 * visible again after the queue's visibility timeout and, after its `maxReceiveCount`, moves it
 * to the dead-letter queue. A malformed event is logged and left likewise (it reaches the DLQ).
 *
 * At most `receiveBatchSize` events are handled at once: the next poll asks only for the free
 * places, so memory stays bounded whatever the queue holds; the pushes of all of them share one
 * limiter of `maxConcurrentPushes`.
 *
 * `stop()` (SIGTERM): no new poll (the one waiting is aborted), the events in hand are
 * finished (their pushes complete or time out) and deleted when done; then `run()` resolves.
 */
import type { Logger } from '../../actors/ports.ts'
import type { Delivery } from './deliver.ts'
import { parseEvent, type PushEvent } from './event.ts'
import type { NotifierOptions } from './options.ts'

export interface QueueMessage {
  id: string
  receipt: string
  body: string
  /** ApproximateReceiveCount: 1 on the first delivery. */
  receiveCount: number
}

/** The events queue as the worker uses it (SQS in sqs-queue.ts). */
export interface EventQueue {
  receive(opts: { max: number; waitSeconds: number; signal: AbortSignal }): Promise<QueueMessage[]>
  delete(message: QueueMessage): Promise<void>
}

export interface WorkerDeps {
  queue: EventQueue
  deliver(event: PushEvent): Promise<Delivery>
  logger: Logger
  options: Pick<NotifierOptions, 'receiveBatchSize' | 'pollWaitSeconds' | 'pollErrorBackoffMs'>
  /** Waits between failed polls; injectable for tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

export interface Worker {
  /** Polls until `stop()`; resolves once the events in hand are finished. */
  run(): Promise<void>
  stop(): Promise<void>
  /** Events being handled now. */
  readonly inFlight: number
}

export function createWorker(deps: WorkerDeps): Worker {
  const { queue, logger, options } = deps
  const sleep = deps.sleep ?? abortableSleep
  const stopping = new AbortController()
  const inFlight = new Set<Promise<void>>()
  let finished: Promise<void> | undefined

  const handle = async (message: QueueMessage) => {
    const fields = { sqsMessageId: message.id, receiveCount: message.receiveCount }
    const parsed = parseEvent(message.body)
    if (parsed.kind === 'malformed') {
      logger.error('event_malformed', { ...fields, problem: parsed.problem })
      return
    }
    if (parsed.kind === 'other') {
      logger.info('event_ignored', { ...fields, type: parsed.type })
      return remove(message)
    }
    const { event } = parsed
    let delivery: Delivery
    try {
      delivery = await deps.deliver(event)
    } catch (err) {
      logger.error('event_failed', { ...fields, messageId: event.messageId, error: err })
      return
    }
    const summary = { ...fields, messageId: event.messageId, room: event.room, ...delivery.counts }
    if (delivery.retry) return logger.warn('event_retry', summary)
    logger.info('event_done', summary)
    await remove(message)
  }

  const remove = async (message: QueueMessage) => {
    try {
      await queue.delete(message)
    } catch (err) {
      // Redelivered later: the claims make the second handling send nothing.
      logger.warn('event_delete_failed', { sqsMessageId: message.id, error: err })
    }
  }

  const loop = async () => {
    while (!stopping.signal.aborted) {
      const free = options.receiveBatchSize - inFlight.size
      if (free <= 0) {
        await Promise.race(inFlight)
        continue
      }
      let messages: QueueMessage[]
      try {
        messages = await queue.receive({ max: free, waitSeconds: options.pollWaitSeconds, signal: stopping.signal })
      } catch (err) {
        if (stopping.signal.aborted) break
        logger.warn('poll_failed', { error: err })
        await sleep(options.pollErrorBackoffMs, stopping.signal)
        continue
      }
      // Taken before a stop arrived: handled like the rest (otherwise hidden until their visibility timeout).
      for (const message of messages) {
        const task = handle(message).finally(() => inFlight.delete(task))
        inFlight.add(task)
      }
    }
    await Promise.all(inFlight)
  }

  return {
    get inFlight() {
      return inFlight.size
    },
    run() {
      finished ??= loop()
      return finished
    },
    async stop() {
      stopping.abort()
      await finished
    },
  }
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
