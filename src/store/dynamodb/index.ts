/**
 * The DynamoDB store (`STORE=dynamodb`): `createDynamoStore(options)`, with the options the
 * server's configuration built from its variables (src/config.ts, docs/operations.md), creates
 * tables when asked (CREATE_TABLES), checks both tables, and resolves to a ready Store.
 */
import { makeDocClient } from './client.ts'
import type { DynamoStoreOptions } from './config.ts'
import { DynamoStore } from './dynamodb-store.ts'
import { checkTables } from './table-check.ts'
import { checkGuildIndex } from './tables.ts'

export { DynamoStore } from './dynamodb-store.ts'
export { MAX_APPEND_BATCH } from './append.ts'
export { DynamoLeaseStore, type LeaseOptions } from './leases.ts'
export { BatchTooLargeError, StoreUnavailableError } from './errors.ts'
export { CREATE_TABLES, checkGuildIndex, guildTableSchema, tableSchema } from './tables.ts'
export { TableUnusableError, checkTables } from './table-check.ts'
export { openDynamoDeviceStore, type DynamoDeviceStore } from './device-store.ts'
export type { DocSender, DynamoStoreOptions } from './config.ts'

/**
 * The store the server runs on: tables created when asked, then both checked, so that a
 * missing table stops the start (naming it) instead of a server that says ready and answers
 * every request 503.
 */
export async function createDynamoStore(opts: DynamoStoreOptions): Promise<DynamoStore> {
  const store = await DynamoStore.open(opts)
  const probe = opts.client ?? makeDocClient(opts)
  try {
    await checkTables(probe, { [store.config.coreTable]: 'CORE_TABLE', [store.config.guildTable]: 'GUILD_TABLE' })
    await checkGuildIndex(probe, store.config.guildTable, 'GUILD_TABLE')
  } catch (err) {
    await store.close()
    throw err
  } finally {
    if (probe !== opts.client) (probe as { destroy?: () => void }).destroy?.()
  }
  return store
}
