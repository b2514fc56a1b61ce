/**
 * The store's only path to DynamoDB: every call goes through `Io.send`, which bounds each
 * attempt with a timeout and retries what a retry can fix (errors.ts, retry.ts). The SDK's own
 * retries are switched off on clients built here so that bound is the only one.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  type BatchGetCommandOutput,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb'
import type { DocSender, DynamoStoreOptions } from './config.ts'
import { defaults } from './config.ts'
import { asStoreError, isRetryable, StoreUnavailableError } from './errors.ts'
import type { Item } from './items.ts'
import { withRetry, type RetryPolicy } from './retry.ts'

export function makeDocClient(opts: DynamoStoreOptions): DynamoDBDocumentClient {
  const base = new DynamoDBClient({
    region: opts.region ?? defaults.region,
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    maxAttempts: 1,
  })
  return DynamoDBDocumentClient.from(base, { marshallOptions: { removeUndefinedValues: true } })
}

export class Io {
  readonly client: DocSender
  private readonly policy: RetryPolicy
  private readonly attemptTimeoutMs: number
  constructor(client: DocSender, policy: RetryPolicy, attemptTimeoutMs: number) {
    this.client = client
    this.policy = policy
    this.attemptTimeoutMs = attemptTimeoutMs
  }

  /**
   * `make` builds a fresh command per attempt: SDK commands are not meant to be re-sent.
   * What still fails after the retries is `StoreUnavailableError` (503), except the
   * conditional failures the store interprets itself (errors.ts).
   */
  send<O>(make: () => object): Promise<O> {
    return withRetry(
      () => this.client.send(make(), { abortSignal: AbortSignal.timeout(this.attemptTimeoutMs) }) as Promise<O>,
      isRetryable,
      this.policy,
    ).catch((err: unknown) => {
      throw asStoreError(err)
    })
  }

  /**
   * Up to `want` items of a Query, following LastEvaluatedKey: one response holds at most
   * 1 MB, less than a 100-message page of long texts. Strongly consistent unless `consistent`
   * is false (a global secondary index allows nothing else).
   */
  async query(input: QueryCommandInput, want = Infinity, consistent = true): Promise<Item[]> {
    const items: Item[] = []
    let start: Record<string, unknown> | undefined
    do {
      const remaining = want - items.length
      const page = await this.send<QueryCommandOutput>(
        () =>
          new QueryCommand({
            ...input,
            ...(consistent && { ConsistentRead: true }),
            ...(Number.isFinite(remaining) && input.FilterExpression === undefined ? { Limit: remaining } : {}),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
      )
      for (const item of page.Items ?? []) if (items.length < want) items.push(item)
      start = page.LastEvaluatedKey
    } while (start && items.length < want)
    return items
  }

  /**
   * The items at `keys` that exist (strongly consistent), by `itemKey`: BatchGetItem, 100 keys
   * a request (its cap), the requests in parallel, each key asked once. Keys DynamoDB leaves
   * unprocessed (throttling, the 16 MB answer cap) are asked again with the retry policy's
   * backoff; still left after its attempts, the call fails `unavailable`.
   */
  async batchGet(keys: readonly ItemKey[]): Promise<Map<string, Item>> {
    const unique = [...new Map(keys.map((k) => [itemKey(k.table, k.PK, k.SK), k])).values()]
    const found = new Map<string, Item>()
    const chunks: ItemKey[][] = []
    for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) chunks.push(unique.slice(i, i + BATCH_GET_KEYS))
    await Promise.all(chunks.map((chunk) => this.#batchGetChunk(chunk, found)))
    return found
  }

  async #batchGetChunk(chunk: ItemKey[], found: Map<string, Item>): Promise<void> {
    type Requests = NonNullable<BatchGetCommandInput['RequestItems']>
    const first: Requests = {}
    for (const { table, PK, SK } of chunk) {
      first[table] ??= { Keys: [], ConsistentRead: true }
      first[table].Keys!.push({ PK, SK })
    }
    let pending: Requests = first
    for (let round = 0; ; round++) {
      const request: Requests = pending
      const out: BatchGetCommandOutput = await this.send<BatchGetCommandOutput>(
        () => new BatchGetCommand({ RequestItems: request }),
      )
      for (const [table, items] of Object.entries(out.Responses ?? {})) {
        for (const item of items) found.set(itemKey(table, String(item.PK), String(item.SK)), item)
      }
      const left: Requests | undefined = out.UnprocessedKeys
      if (!left || Object.values(left).every((r) => (r.Keys?.length ?? 0) === 0)) return
      if (round + 1 >= this.policy.maxAttempts) {
        throw new StoreUnavailableError(Object.assign(new Error('keys left unprocessed'), { name: 'UnprocessedKeys' }))
      }
      const ceiling = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** round)
      await this.policy.sleep(this.policy.random() * ceiling)
      pending = left
    }
  }
}

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
