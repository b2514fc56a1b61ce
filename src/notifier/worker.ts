/**
 * The push worker's loop: long-poll the events queue, hand each `message.created` to
 * deliverEvent, delete it once every device was handled; otherwise leave it, so SQS makes it
 * visible again after the queue's visibility timeout and, after its `maxReceiveCount`, moves it
 * to the dead-letter queue. A malformed event is logged and left likewise (it reaches the DLQ).
 *
 * While an event is handled its message stays hidden: the worker extends its visibility every
 * half `visibilityTimeoutSeconds`, so no second receive takes it meanwhile (a second handling
 * would find the first's claims and delete the message while the first might still fail and
 * need a retry).
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
import type { PolledQueue, QueueMessage } from '../events/sqs-queue.ts'

export interface WorkerDeps {
  queue: PolledQueue
  deliver(event: PushEvent): Promise<Delivery>
  logger: Logger
  options: Pick<
    NotifierOptions,
    'receiveBatchSize' | 'pollWaitSeconds' | 'pollErrorBackoffMs' | 'visibilityTimeoutSeconds'
  >
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
  const inHand = new Set<QueueMessage>()
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
      await remove(message)
      return
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
    // Most events (guild and public rooms, members online) concern no device: no line for those.
    const touched = Object.values(delivery.counts).some((n) => n > 0)
    if ((await remove(message)) && touched) logger.info('event_done', summary)
  }

  const remove = async (message: QueueMessage): Promise<boolean> => {
    try {
      await queue.delete(message)
      return true
    } catch (err) {
      // Redelivered later: the claims make the second handling send nothing.
      logger.warn('event_delete_failed', { sqsMessageId: message.id, error: err })
      return false
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
        messages = await queue.receive({
          max: free,
          waitSeconds: options.pollWaitSeconds,
          visibilitySeconds: options.visibilityTimeoutSeconds,
          signal: stopping.signal,
        })
      } catch (err) {
        if (stopping.signal.aborted) break
        logger.warn('poll_failed', { error: err })
        await sleep(options.pollErrorBackoffMs, stopping.signal)
        continue
      }
      // Taken before a stop arrived: handled like the rest (otherwise hidden until their visibility timeout).
      for (const message of messages) {
        inHand.add(message)
        const task = handle(message).finally(() => {
          inHand.delete(message)
          inFlight.delete(task)
        })
        inFlight.add(task)
      }
    }
    await Promise.all(inFlight)
  }

  // Every half visibility timeout, the events still in hand are hidden for a whole one more.
  const extendAll = () => {
    for (const message of inHand) {
      queue.setVisibility(message, options.visibilityTimeoutSeconds).catch((err: unknown) => {
        logger.warn('event_extend_failed', { sqsMessageId: message.id, error: err })
      })
    }
  }

  return {
    get inFlight() {
      return inFlight.size
    },
    run() {
      if (!finished) {
        const timer = setInterval(extendAll, (options.visibilityTimeoutSeconds * 1000) / 2)
        finished = loop().finally(() => clearInterval(timer))
      }
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
