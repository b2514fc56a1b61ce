/**
 * The store's only path to DynamoDB: every call goes through `Io.send`, which bounds each
 * attempt with a timeout and retries what a retry can fix (errors.ts, retry.ts). The SDK's own
 * retries are switched off on clients built here so that bound is the only one.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb'
import type { DocSender, DynamoStoreOptions } from './config.ts'
import { defaults } from './config.ts'
import { asStoreError, isRetryable } from './errors.ts'
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
  /** The retry policy, also for calls that retry more than a request (batch-get.ts's unprocessed keys). */
  readonly policy: RetryPolicy
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
}
