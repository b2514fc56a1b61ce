/**
 * The push worker's store: devices and push claims in the core table (devices.ts), through the
 * same client, retries and attempt timeout as the server's DynamoDB store, and nothing else. It
 * imports neither dynamodb-store.ts nor tables.ts, so the worker's code sends only the device
 * calls and its IAM task role grants only those, on the core table (infra/modules/iam,
 * test/infra/iam-drift.test.ts). It creates no table (`createTables` is ignored): the servers'
 * CREATE_TABLES or Terraform do.
 */
import type { DeviceStore } from '../../notifier/ports.ts'
import { deviceRules } from '../../notifier/device-rules.ts'
import { Io, makeDocClient } from './client.ts'
import { resolveConfig, type DocSender, type DynamoStoreOptions } from './config.ts'
import { DynamoDevices } from './devices.ts'
import { defaultRetryPolicy } from './retry.ts'
import { checkTables } from './table-check.ts'

export interface DynamoDeviceStore extends DeviceStore {
  close(): Promise<void>
}

/**
 * The device store on the core table, once the table is checked: a missing table stops the
 * worker's start, naming it (TableUnusableError), instead of failing every event.
 */
export async function openDynamoDeviceStore(opts: DynamoStoreOptions): Promise<DynamoDeviceStore> {
  const config = resolveConfig(opts)
  const client: DocSender = opts.client ?? makeDocClient(opts)
  const close = async () => {
    if (opts.client === undefined) (client as { destroy?: () => void }).destroy?.()
  }
  try {
    await checkTables(client, { [config.coreTable]: 'CORE_TABLE' })
  } catch (err) {
    await close()
    throw err
  }
  const io = new Io(client, { ...defaultRetryPolicy, ...opts.retry }, config.attemptTimeoutMs)
  const devices = new DynamoDevices(io, config.coreTable, deviceRules(opts.devices), config.now)
  return {
    putDevice: (userId, device) => devices.putDevice(userId, device),
    deleteDevice: (userId, deviceId) => devices.deleteDevice(userId, deviceId),
    listDevices: (userId) => devices.listDevices(userId),
    claimPush: (messageId, userId, deviceId) => devices.claimPush(messageId, userId, deviceId),
    releasePush: (messageId, userId, deviceId) => devices.releasePush(messageId, userId, deviceId),
    close,
  }
}
