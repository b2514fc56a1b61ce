/**
 * One `message.created` event's pushes: every device of every offline member gets the
 * notification at most once, however often the event is delivered.
 *
 * Per (message, device): claim, then send, then keep or give back the claim.
 * - `claimPush` (one conditional write) is taken BEFORE the send: a duplicate of the event,
 *   handled at the same time by another worker or later, finds the claim and sends nothing.
 * - Sent: the claim stays (it expires with the store's TTL), so the push is never repeated.
 * - Retryable failure (push service down, rate limited, timed out): the claim is released and
 *   the event is left to SQS, whose redelivery tries that device again (and skips the others,
 *   whose claims stand).
 * - Gone: the device is removed. Permanent failure: logged. Both keep the claim: nothing to retry.
 * - Platform not configured: skipped with a log line.
 *
 * The window left: the worker dies (kill -9, lost host) after the claim and before the claim is
 * released. The claim then stands and that device misses this one notification, since nobody can
 * know whether the push service took it; at most one push per message and device is the
 * contract, so a miss is chosen over a possible repeat. A timeout is the milder case: the claim
 * is released and the push retried, so if the service had taken the first try the device gets it
 * again (the FCM transport gives both the same collapse key so the device shows one).
 *
 * The event is done (`retry: false`, the worker deletes it) when every device was handled: sent,
 * already claimed, gone, skipped, or failed permanently.
 */
import type { Logger } from '../../actors/ports.ts'
import type { PushEvent } from './event.ts'
import type { Limiter } from './limiter.ts'
import { cutText, notificationTitle } from './notification-text.ts'
import type { NotifierOptions } from './options.ts'
import type { Device, DeviceStore, Platform, PushNotification, PushTransport } from './ports.ts'

export type DeviceOutcome = 'sent' | 'duplicate' | 'gone' | 'failed' | 'skipped' | 'retry'

export interface DeliverDeps {
  devices: DeviceStore
  /** A platform without a transport (its variables unset) is skipped. */
  transports: Partial<Record<Platform, PushTransport>>
  limiter: Limiter
  logger: Logger
  options: Pick<NotifierOptions, 'maxBodyLength' | 'maxSenderNameLength'>
}

export interface Delivery {
  /** True when some device must be tried again: leave the event to SQS. */
  retry: boolean
  counts: Record<DeviceOutcome, number>
}

export async function deliverEvent(deps: DeliverDeps, event: PushEvent): Promise<Delivery> {
  const counts: Record<DeviceOutcome, number> = { sent: 0, duplicate: 0, gone: 0, failed: 0, skipped: 0, retry: 0 }
  const users = [...new Set(event.offline)].filter((u) => u !== event.senderId)
  await Promise.all(
    users.map(async (userId) => {
      let devices: Device[]
      try {
        // Through the limiter too: an event with 50 offline members is 50 reads, not 50 at once.
        devices = await deps.limiter.run(() => deps.devices.listDevices(userId))
      } catch (err) {
        deps.logger.warn('push_devices_failed', { messageId: event.messageId, userId, error: err })
        counts.retry++
        return
      }
      const outcomes = await Promise.all(devices.map((device) => pushOne(deps, event, userId, device)))
      for (const outcome of outcomes) counts[outcome]++
    }),
  )
  return { retry: counts.retry > 0, counts }
}

async function pushOne(deps: DeliverDeps, event: PushEvent, userId: string, device: Device): Promise<DeviceOutcome> {
  const { logger } = deps
  const ids = { messageId: event.messageId, room: event.room, userId, deviceId: device.deviceId }
  const transport = deps.transports[device.platform]
  if (!transport) {
    logger.info('push_skipped', { ...ids, platform: device.platform, reason: 'platform not configured' })
    return 'skipped'
  }
  return deps.limiter.run(async () => {
    let claimed: boolean
    try {
      claimed = await deps.devices.claimPush(event.messageId, userId, device.deviceId)
    } catch (err) {
      logger.warn('push_claim_failed', { ...ids, error: err })
      return 'retry'
    }
    if (!claimed) return 'duplicate'
    const result = await transport
      .send(device, notificationFor(deps.options, event, device))
      .catch((err: unknown) => ({ ok: false, gone: false, retryable: true, reason: String(err) }) as const)
    if (result.ok) {
      logger.info('push_sent', { ...ids, platform: device.platform })
      return 'sent'
    }
    if (result.gone) {
      try {
        await deps.devices.deleteDevice(userId, device.deviceId)
        logger.info('push_device_gone', { ...ids, platform: device.platform, reason: result.reason })
        return 'gone'
      } catch (err) {
        logger.warn('push_device_remove_failed', { ...ids, error: err })
        return release(deps, ids, 'retry')
      }
    }
    if (result.retryable) {
      logger.warn('push_retry', { ...ids, platform: device.platform, reason: result.reason })
      return release(deps, ids, 'retry')
    }
    logger.error('push_failed', { ...ids, platform: device.platform, reason: result.reason })
    return 'failed'
  })
}

/** Gives the claim back so a redelivery retries the device; if that fails the device misses this push. */
async function release(
  deps: DeliverDeps,
  ids: { messageId: string; userId: string; deviceId: string },
  outcome: DeviceOutcome,
): Promise<DeviceOutcome> {
  try {
    await deps.devices.releasePush(ids.messageId, ids.userId, ids.deviceId)
  } catch (err) {
    deps.logger.error('push_release_failed', { ...ids, error: err })
  }
  return outcome
}

export function notificationFor(options: DeliverDeps['options'], event: PushEvent, device: Device): PushNotification {
  // The event names the sender by id only (the contract has no display name).
  const sender = cutText(event.senderId, options.maxSenderNameLength)
  return {
    title: notificationTitle(sender, device.locale),
    body: cutText(event.text, options.maxBodyLength),
    data: { room: event.room, seq: String(event.seq), messageId: event.messageId },
  }
}
