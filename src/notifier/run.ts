/**
 * The push worker's lifecycle (docs/events.md "Push worker"): read the configuration, open the
 * device store (DynamoDB), build the transports whose variables are set (the others' devices
 * are skipped, logged here once), poll until SIGTERM/SIGINT, then stop polling, finish the
 * pushes in flight, close and exit 0. A second signal exits at once with 1.
 */
import type { Logger } from '../../actors/ports.ts'
import { sqsClient } from '../events/sqs-client.ts'
import { createJsonLogger } from '../log.ts'
import { loadNotifierConfig, type NotifierConfig } from './config.ts'
import { deliverEvent } from './deliver.ts'
import { createFcmSender, fcmTransport } from './fcm.ts'
import { createTokenSource } from './google-token.ts'
import { startHealthServer, type HealthServer } from './health.ts'
import { createLimiter } from './limiter.ts'
import type { DeviceStore, Platform, PushTransport } from './ports.ts'
import { readServiceAccount } from './service-account.ts'
import { createSqsQueue } from '../events/sqs-queue.ts'
import { createWebPushTransport } from './webpush.ts'
import { createWorker } from './worker.ts'

export interface NotifierHooks {
  env: Record<string, string | undefined>
  onSignal(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void
  exit(code: number): never | void
  logger?: Logger
}

export async function runNotifier(hooks: NotifierHooks): Promise<void> {
  const json = createJsonLogger({ base: { service: 'notifier' } })
  const logger = hooks.logger ?? json
  const exit = (code: number) => {
    json.flush()
    hooks.exit(code)
  }
  let config: NotifierConfig
  let transports: Partial<Record<Platform, PushTransport>>
  try {
    config = loadNotifierConfig(hooks.env)
    transports = await transportsFor(config, logger)
  } catch (err) {
    logger.error('config_invalid', { message: (err as Error).message })
    console.error(`guildhall notifier: ${(err as Error).message}`)
    return void exit(1)
  }
  let store: DeviceStore & { close(): Promise<void> }
  let health: HealthServer | undefined
  try {
    store = await openDeviceStore(config)
    if (config.healthPort !== undefined) health = await startHealthServer(config.healthPort)
  } catch (err) {
    logger.error('start_failed', { error: err })
    console.error(`guildhall notifier: could not start: ${(err as Error).message}`)
    return void exit(1)
  }
  // The servers' SQS client: AWS_ENDPOINT_URL_SQS honoured, dummy credentials for a local endpoint.
  const queue = createSqsQueue({ queueUrl: config.queueUrl, client: sqsClient(hooks.env, config.region) })
  const limiter = createLimiter(config.options.maxConcurrentPushes)
  const worker = createWorker({
    queue,
    logger,
    options: config.options,
    deliver: (event) => deliverEvent({ devices: store, transports, limiter, logger, options: config.options }, event),
  })
  logger.info('notifier_started', {
    queue: config.queueUrl,
    platforms: Object.keys(transports),
    maxConcurrentPushes: config.options.maxConcurrentPushes,
    ...(health ? { healthPort: health.port } : {}),
  })

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn('stop_aborted', { signal, inFlight: worker.inFlight })
      return void exit(1)
    }
    stopping = true
    health?.setStopping()
    logger.info('stop_start', { signal, inFlight: worker.inFlight })
    void worker.stop()
  }
  hooks.onSignal('SIGTERM', () => stop('SIGTERM'))
  hooks.onSignal('SIGINT', () => stop('SIGINT'))
  try {
    await worker.run()
    queue.close()
    await store.close()
    await health?.close()
    logger.info('stop_done', {})
    exit(0)
  } catch (err) {
    logger.error('stop_failed', { error: err })
    exit(1)
  }
}

/** The transports whose variables are set; each platform left out is logged with what is missing. */
async function transportsFor(
  config: NotifierConfig,
  logger: Logger,
): Promise<Partial<Record<Platform, PushTransport>>> {
  const transports: Partial<Record<Platform, PushTransport>> = {}
  if ('projectId' in config.fcm) {
    const account = readServiceAccount(config.fcm.credentialsPath)
    const sender = createFcmSender({
      projectId: config.fcm.projectId,
      tokens: createTokenSource({ account, timeoutMs: config.options.pushTimeoutMs }),
      ...(config.fcm.endpoint ? { endpoint: config.fcm.endpoint } : {}),
      timeoutMs: config.options.pushTimeoutMs,
    })
    transports.fcm = fcmTransport(sender)
  } else {
    logger.warn('push_platform_disabled', { platform: 'fcm', missing: config.fcm.missing })
  }
  if ('missing' in config.vapid) {
    logger.warn('push_platform_disabled', { platform: 'webpush', missing: config.vapid.missing })
  } else {
    // Checks the keys are a pair: a wrong pair stops the start instead of failing every push.
    transports.webpush = await createWebPushTransport({ vapid: config.vapid, timeoutMs: config.options.pushTimeoutMs })
  }
  return transports
}

/**
 * The devices and claims the servers keep in the core table (the embedded store is refused by the
 * config): the device-only store, so the worker sends no call of the rest of the store.
 */
async function openDeviceStore(config: NotifierConfig): Promise<DeviceStore & { close(): Promise<void> }> {
  const { openDynamoDeviceStore } = await import('../store/dynamodb/device-store.ts')
  return openDynamoDeviceStore(config.dynamodb)
}
