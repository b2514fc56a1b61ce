/**
 * BatchGetItem through the store's Io (its retries, timeouts and errors). Apart from client.ts
 * so that code using only Io (the push worker's device store) does not send BatchGetItem, which
 * its IAM role does not grant (test/infra/iam-drift.test.ts follows imports file by file).
 */
import { BatchGetCommand, type BatchGetCommandInput, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb'
import type { Io } from './client.ts'
import { StoreUnavailableError } from './errors.ts'
import type { Item } from './items.ts'

/** BatchGetItem's cap on keys per request. */
export const BATCH_GET_KEYS = 100

/** One item's key, in the table it lives in. */
export interface ItemKey {
  table: string
  PK: string
  SK: string
}

/** The key `batchGet` answers by. */
export const itemKey = (table: string, PK: string, SK: string): string => `${table}\n${PK}\n${SK}`

/**
 * The items at `keys` that exist (strongly consistent), by `itemKey`: BatchGetItem, 100 keys
 * a request (its cap), the requests in parallel, each key asked once. Keys DynamoDB leaves
 * unprocessed (throttling, the 16 MB answer cap) are asked again with the retry policy's
 * backoff; still left after its attempts, the call fails `unavailable`.
 */
export async function batchGet(io: Io, keys: readonly ItemKey[]): Promise<Map<string, Item>> {
  const unique = [...new Map(keys.map((k) => [itemKey(k.table, k.PK, k.SK), k])).values()]
  const found = new Map<string, Item>()
  const chunks: ItemKey[][] = []
  for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) chunks.push(unique.slice(i, i + BATCH_GET_KEYS))
  await Promise.all(chunks.map((chunk) => batchGetChunk(io, chunk, found)))
  return found
}

async function batchGetChunk(io: Io, chunk: ItemKey[], found: Map<string, Item>): Promise<void> {
  type Requests = NonNullable<BatchGetCommandInput['RequestItems']>
  const first: Requests = {}
  for (const { table, PK, SK } of chunk) {
    first[table] ??= { Keys: [], ConsistentRead: true }
    first[table].Keys!.push({ PK, SK })
  }
  let pending: Requests = first
  for (let round = 0; ; round++) {
    const request: Requests = pending
    const out: BatchGetCommandOutput = await io.send<BatchGetCommandOutput>(
      () => new BatchGetCommand({ RequestItems: request }),
    )
    for (const [table, items] of Object.entries(out.Responses ?? {})) {
      for (const item of items) found.set(itemKey(table, String(item.PK), String(item.SK)), item)
    }
    const left: Requests | undefined = out.UnprocessedKeys
    if (!left || Object.values(left).every((r) => (r.Keys?.length ?? 0) === 0)) return
    if (round + 1 >= io.policy.maxAttempts) {
      throw new StoreUnavailableError(Object.assign(new Error('keys left unprocessed'), { name: 'UnprocessedKeys' }))
    }
    const ceiling = Math.min(io.policy.maxDelayMs, io.policy.baseDelayMs * 2 ** round)
    await io.policy.sleep(io.policy.random() * ceiling)
    pending = left
  }
}
