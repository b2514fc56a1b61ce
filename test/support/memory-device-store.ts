/**
 * The DeviceStore (src/notifier/ports.ts) in memory, for tests of what uses one (the HTTP
 * routes over a MemoryStore, the push worker). Passes the same contract as the embedded and
 * DynamoDB stores (test/contract/devices.ts). `now` is injectable to expire claims.
 */
import {
  deviceRules,
  toEvict,
  tokenKey,
  type DeviceRules,
  type DeviceStoreOptions,
} from '../../src/notifier/device-rules.ts'
import type { Device, DeviceStore, PutDeviceAnswer } from '../../src/notifier/ports.ts'

interface Entry {
  device: Device
  at: number
}

export class MemoryDeviceStore implements DeviceStore {
  readonly rules: DeviceRules
  readonly #now: () => number
  /** userId -> deviceId -> entry */
  readonly #devices = new Map<string, Map<string, Entry>>()
  /** claim key -> when taken (ms) */
  readonly #claims = new Map<string, number>()
  /** Calls per method (tests count writes). */
  readonly calls = new Map<string, number>()

  constructor(opts: DeviceStoreOptions & { now?: () => number } = {}) {
    this.rules = deviceRules(opts)
    this.#now = opts.now ?? Date.now
  }

  #count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
  }

  async putDevice(userId: string, device: Device): Promise<PutDeviceAnswer> {
    this.#count('putDevice')
    const key = tokenKey(device)
    let movedFrom: PutDeviceAnswer['movedFrom']
    for (const [user, devices] of this.#devices) {
      for (const [deviceId, entry] of devices) {
        if (tokenKey(entry.device) !== key || (user === userId && deviceId === device.deviceId)) continue
        devices.delete(deviceId)
        if (user !== userId) movedFrom = { userId: user, deviceId }
      }
    }
    const mine = this.#devices.get(userId) ?? new Map<string, Entry>()
    this.#devices.set(userId, mine)
    const existing = [...mine].map(([deviceId, e]) => ({ deviceId, at: e.at }))
    const evicted = toEvict(existing, device.deviceId, this.rules.maxDevicesPerUser)
    for (const id of evicted) mine.delete(id)
    mine.set(device.deviceId, { device: structuredClone(device), at: this.#now() })
    return { evicted, ...(movedFrom && { movedFrom }) }
  }

  async deleteDevice(userId: string, deviceId: string): Promise<void> {
    this.#count('deleteDevice')
    this.#devices.get(userId)?.delete(deviceId)
  }

  async listDevices(userId: string): Promise<Device[]> {
    this.#count('listDevices')
    return [...(this.#devices.get(userId)?.values() ?? [])].map((e) => structuredClone(e.device))
  }

  async claimPush(messageId: string, userId: string, deviceId: string): Promise<boolean> {
    this.#count('claimPush')
    const key = JSON.stringify([messageId, userId, deviceId])
    const now = this.#now()
    const at = this.#claims.get(key)
    if (at !== undefined && now < at + this.rules.pushClaimTtlSeconds * 1000) return false
    this.#claims.set(key, now)
    return true
  }

  async releasePush(messageId: string, userId: string, deviceId: string): Promise<void> {
    this.#count('releasePush')
    this.#claims.delete(JSON.stringify([messageId, userId, deviceId]))
  }
}
