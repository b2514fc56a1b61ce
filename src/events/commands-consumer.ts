/**
 * The commands consumer (docs/events.md "Commands"): long-polls the commands queue, runs each
 * command on this node (commands.ts; a post goes through the room's owner wherever it lives),
 * and deletes a command only after it took effect, or when it never can. A malformed command
 * is logged and left for the queue's dead-letter queue, made visible again soon so that it
 * gets there after its redrive count. A command that fails for now is left: the queue
 * delivers it again after its visibility timeout. At most `maxConcurrent` commands are in
 * hand at once; a queue that cannot be reached is polled again with a growing pause, and the
 * server runs on. `stop()` (the drain) stops polling first, then waits for the commands in hand.
 */
import type { Logger } from '../../actors/ports.ts'
import type { CommandsOptions } from './commands-options.ts'
import { parseCommand, runCommand, type CommandTarget } from './commands.ts'
import type { PolledQueue, QueueMessage } from './sqs-queue.ts'

export interface CommandsConsumerOptions {
  queue: PolledQueue
  target: CommandTarget
  logger: Logger
  options: CommandsOptions
}

export class CommandsConsumer {
  private readonly inHand = new Set<Promise<void>>()
  private readonly stopping = new AbortController()
  private loop: Promise<void> | undefined
  private slotFreed: (() => void) | undefined

  private readonly opts: CommandsConsumerOptions
  constructor(opts: CommandsConsumerOptions) {
    this.opts = opts
  }

  start(): void {
    this.loop ??= this.poll()
  }

  /** Stop polling (an in-flight long poll is aborted), then wait for the commands in hand. */
  async stop(): Promise<void> {
    this.stopping.abort()
    this.slotFreed?.()
    await this.loop
    await Promise.all([...this.inHand])
    this.opts.queue.close?.()
  }

  private async poll(): Promise<void> {
    const { queue, logger, options } = this.opts
    const signal = this.stopping.signal
    let backoff = options.pollErrorBackoffMs
    while (!signal.aborted) {
      const room = options.maxConcurrent - this.inHand.size
      if (room <= 0) {
        await new Promise<void>((resolve) => (this.slotFreed = resolve))
        continue
      }
      let messages: QueueMessage[]
      try {
        messages = await queue.receive({
          max: Math.min(options.receiveBatchSize, room),
          waitSeconds: options.pollWaitSeconds,
          visibilitySeconds: options.visibilityTimeoutSeconds,
          signal,
        })
        backoff = options.pollErrorBackoffMs
      } catch (err) {
        if (signal.aborted) return
        logger.warn('commands_poll_failed', { error: String(err), retryInMs: backoff })
        await pause(backoff, signal)
        backoff = Math.min(backoff * 2, options.pollErrorBackoffMaxMs)
        continue
      }
      for (const message of messages) {
        const handling = this.handle(message).finally(() => {
          this.inHand.delete(handling)
          const freed = this.slotFreed
          this.slotFreed = undefined
          freed?.()
        })
        this.inHand.add(handling)
      }
    }
  }

  private async handle(message: QueueMessage): Promise<void> {
    const { queue, target, logger, options } = this.opts
    const parsed = parseCommand(message.body)
    if (!parsed.ok) {
      // Not ours to judge twice: the queue's redrive moves it to the dead-letter queue after
      // its maxReceiveCount. Visible again soon, so that happens in seconds, not timeouts.
      logger.warn('command_malformed', {
        messageId: message.id,
        receiveCount: message.receiveCount,
        reason: parsed.reason,
      })
      await queue
        .setVisibility(message, options.malformedRetrySeconds)
        .catch((err: unknown) =>
          logger.warn('command_visibility_failed', { messageId: message.id, error: String(err) }),
        )
      return
    }
    const cmd = parsed.command
    const about =
      cmd.type === 'member.removed' ? { guildId: cmd.guildId, user: cmd.userId } : { room: cmd.room, id: cmd.id }
    const result = await runCommand(cmd, target)
    if (result.kind === 'retry') {
      logger.warn('command_retry', {
        messageId: message.id,
        type: cmd.type,
        ...about,
        reason: result.reason,
        receiveCount: message.receiveCount,
        ...(result.error !== undefined && { error: String(result.error) }),
      })
      return
    }
    if (result.kind === 'skip')
      logger.warn('command_skipped', { messageId: message.id, type: cmd.type, ...about, reason: result.reason })
    else
      logger.info('command_done', {
        messageId: message.id,
        type: cmd.type,
        ...about,
        ...(result.seq !== undefined && { seq: result.seq }),
      })
    // Deleted only now. A delete that fails leaves it to come again, and running it again
    // changes nothing (a post by the same id, a membership already gone).
    await queue
      .delete(message)
      .catch((err: unknown) => logger.warn('command_delete_failed', { messageId: message.id, error: String(err) }))
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
