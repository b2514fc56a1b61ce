/**
 * The DynamoDB store (`STORE=dynamodb`): `createDynamoStore(process.env)` reads PROTOCOL.md
 * section 1's variables (and MESSAGE_TTL_DAYS), creates tables when CREATE_TABLES=true, and
 * resolves to a ready Store.
 */
import { optionsFromEnv, type DynamoStoreOptions } from './config.ts'
import { DynamoStore } from './dynamodb-store.ts'

export { DynamoStore } from './dynamodb-store.ts'
export { MAX_APPEND_BATCH } from './append.ts'
export { BatchTooLargeError } from './errors.ts'
export { CREATE_TABLES, tableSchema } from './tables.ts'
export type { DocSender, DynamoStoreOptions } from './config.ts'

export function createDynamoStore(
  env: Record<string, string | undefined>,
  overrides: Partial<DynamoStoreOptions> = {},
): Promise<DynamoStore> {
  return DynamoStore.open({ ...optionsFromEnv(env), ...overrides })
}
