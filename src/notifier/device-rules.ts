/**
 * The rules every DeviceStore follows (ports.ts), decided here once: the per-user cap, which
 * registrations it evicts, what makes two registrations the same push token, and how long a
 * push claim lasts. No I/O; the stores apply them.
 */
import type { Device } from './ports.ts'

/**
 * Devices one user may have registered. Past it, a new registration evicts the user's least
 * recently registered devices rather than being refused: a user cannot remove a phone they
 * lost, and apps re-register on every start, so the oldest registration is the stalest.
 */
export const DEFAULT_MAX_DEVICES_PER_USER = 20
/**
 * How long a push claim (one push per message and device) is kept: 14 days, the longest an
 * SQS queue retains a message, so no redelivery of an event outlives its claims.
 */
export const DEFAULT_PUSH_CLAIM_TTL_SECONDS = 14 * 24 * 60 * 60

export interface DeviceStoreOptions {
  /** Default `DEFAULT_MAX_DEVICES_PER_USER` (20). */
  maxDevicesPerUser?: number
  /** Default `DEFAULT_PUSH_CLAIM_TTL_SECONDS` (14 days). */
  pushClaimTtlSeconds?: number
}

export interface DeviceRules {
  maxDevicesPerUser: number
  pushClaimTtlSeconds: number
}

export function deviceRules(opts: DeviceStoreOptions = {}): DeviceRules {
  const rules = {
    maxDevicesPerUser: opts.maxDevicesPerUser ?? DEFAULT_MAX_DEVICES_PER_USER,
    pushClaimTtlSeconds: opts.pushClaimTtlSeconds ?? DEFAULT_PUSH_CLAIM_TTL_SECONDS,
  }
  if (!(Number.isInteger(rules.maxDevicesPerUser) && rules.maxDevicesPerUser >= 1))
    throw new RangeError(`maxDevicesPerUser must be an integer >= 1, got ${rules.maxDevicesPerUser}`)
  if (!(rules.pushClaimTtlSeconds > 0))
    throw new RangeError(`pushClaimTtlSeconds must be > 0, got ${rules.pushClaimTtlSeconds}`)
  return rules
}

/**
 * What identifies the push target itself: the FCM token or the Web Push endpoint. Registered by
 * a second user (a phone that changed hands, a shared browser), it moves to that user: the
 * first user's registration is removed, so a notification never reaches the previous owner.
 */
export function tokenKey(device: Device): string {
  return device.platform === 'fcm' ? `fcm:${device.token}` : `webpush:${device.subscription.endpoint}`
}

/** A registration as the cap sees it: `at` is when it was last registered (ms). */
export interface Registration {
  deviceId: string
  at: number
}

/**
 * The user's devices to evict so that, with `incoming` stored, at most `max` remain: the least
 * recently registered first (ties by id, so every store picks the same ones).
 */
export function toEvict(existing: readonly Registration[], incoming: string, max: number): string[] {
  const others = existing.filter((r) => r.deviceId !== incoming)
  const excess = others.length + 1 - max
  if (excess <= 0) return []
  return [...others]
    .sort((a, b) => a.at - b.at || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0))
    .slice(0, excess)
    .map((r) => r.deviceId)
}
