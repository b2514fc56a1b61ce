/**
 * Shared by the DynamoDB store's tests (src/store/dynamodb/) and bench/dynamodb.ts: stores on DynamoDB Local with fresh
 * tables, a raw client to look at items as stored, and `FaultySender`, a client wrapper that
 * throttles, fails, hangs or loses the response of chosen calls.
 */
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { DocSender, DynamoStoreOptions } from '../../src/store/dynamodb/config.ts'
import { DynamoStore } from '../../src/store/dynamodb/dynamodb-store.ts'

export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' }

export interface Tables {
  coreTable: string
  guildTable: string
}

let counter = 0
/** Table names unique to this process and call, so test files and cases never share data. */
export function uniqueTables(): Tables {
  const id = `${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`
  return { coreTable: `core_${id}`, guildTable: `guild_${id}` }
}

export function rawClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: localCredentials, maxAttempts: 1 })
}

export function docClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(rawClient(endpoint), { marshallOptions: { removeUndefinedValues: true } })
}

/** A store on fresh (or given) tables; retries sleep not at all, so tests take no real time. */
export function openStore(
  endpoint: string,
  tables: Tables,
  extra: Partial<DynamoStoreOptions> = {},
): Promise<DynamoStore> {
  return DynamoStore.open({
    endpoint,
    region: 'us-east-1',
    credentials: localCredentials,
    createTables: true,
    ...tables,
    ...extra,
    retry: { sleep: async () => {}, ...extra.retry },
  })
}

export async function dropTables(endpoint: string, tables: Tables): Promise<void> {
  const client = rawClient(endpoint)
  for (const name of [tables.coreTable, tables.guildTable]) {
    await client.send(new DeleteTableCommand({ TableName: name })).catch(() => {})
  }
  client.destroy()
}

type Fault = 'throttle' | 'fail' | 'lose-response' | 'hang'

interface Rule {
  command: string
  fault: Fault
  /** 1-based numbers of the matching calls the fault applies to. */
  calls: Set<number>
}

export class FaultError extends Error {
  constructor(name: string, message: string) {
    super(message)
    this.name = name
  }
}

/** Wraps a client; counts calls per command name (e.g. `TransactWriteCommand`). */
export class FaultySender implements DocSender {
  readonly log: string[] = []
  private readonly counts = new Map<string, number>()
  private readonly rules: Rule[] = []
  /** When set, TransactWrite calls go without their ClientRequestToken (forces read-back). */
  stripRequestToken = false

  private readonly inner: DocSender
  constructor(inner: DocSender) {
    this.inner = inner
  }

  /** Make calls number `calls` (1-based, per command name) of `command` fail in the given way. */
  inject(command: string, fault: Fault, calls: number[]): this {
    this.rules.push({ command, fault, calls: new Set(calls) })
    return this
  }

  count(command: string): number {
    return this.counts.get(command) ?? 0
  }

  async send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    const name = command.constructor.name
    const n = (this.counts.get(name) ?? 0) + 1
    this.counts.set(name, n)
    this.log.push(name)
    if (this.stripRequestToken && name === 'TransactWriteCommand') {
      delete (command as { input: { ClientRequestToken?: string } }).input.ClientRequestToken
    }
    const rule = this.rules.find((r) => r.command === name && r.calls.has(n))
    switch (rule?.fault) {
      case 'throttle':
        throw new FaultError('ProvisionedThroughputExceededException', `injected throttle of ${name} #${n}`)
      case 'fail':
        throw new FaultError('ValidationException', `injected failure of ${name} #${n}`)
      case 'lose-response':
        // The request reaches DynamoDB and takes effect; only its answer is lost on the way back.
        await this.inner.send(command)
        throw new FaultError('TimeoutError', `injected lost response of ${name} #${n}`)
      case 'hang':
        return new Promise((_, reject) => {
          // A real hung request holds a socket open; this stands in for it (the abort timer is unref'd).
          const alive = setInterval(() => {}, 1_000)
          const signal = options?.abortSignal
          signal?.addEventListener(
            'abort',
            () => {
              clearInterval(alive)
              reject(signal.reason)
            },
            { once: true },
          )
        })
      default:
        // Healthy calls go without the store's per-attempt timeout: only injected hangs time
        // out, so no test outcome depends on how fast DynamoDB Local answers.
        return this.inner.send(command)
    }
  }
}
