/**
 * The table schema, the one Terraform declares (infra issue): string `PK` hash key, string
 * `SK` range key, on-demand billing, TTL on the `ttl` attribute; the guild table also has one
 * global secondary index, `inverted` (hash `SK`, range `PK`, keys only), which lists a user's
 * guilds (docs/storage.md). `CREATE_TABLES=true` creates missing tables with it, for DynamoDB Local.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb'
import { QueryCommand } from '@aws-sdk/lib-dynamodb'
import { TTL_ATTRIBUTE, type DocSender } from './config.ts'
import { INVERTED_INDEX } from './keys.ts'
import { TableUnusableError } from './table-check.ts'

export function tableSchema(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [
      { AttributeName: 'PK', AttributeType: 'S' },
      { AttributeName: 'SK', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  }
}

/**
 * The guild table: `tableSchema` plus the `inverted` index. Keys only: a listing needs the
 * guild id alone, and a projection of attributes would copy every message's text into it.
 */
export function guildTableSchema(tableName: string): CreateTableCommandInput {
  return {
    ...tableSchema(tableName),
    GlobalSecondaryIndexes: [
      {
        IndexName: INVERTED_INDEX,
        KeySchema: [
          { AttributeName: 'SK', KeyType: 'HASH' },
          { AttributeName: 'PK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  }
}

/** CREATE_TABLES: both tables (`tableSchema`, `guildTableSchema`), each with TTL enabled on `ttl`. */
export const CREATE_TABLES = (coreTable: string, guildTable: string): CreateTableCommandInput[] => [
  tableSchema(coreTable),
  guildTableSchema(guildTable),
]

/** Create each table that does not exist yet, wait until it is ACTIVE, enable TTL. */
export async function createTables(client: DocSender, tables: CreateTableCommandInput[]): Promise<void> {
  for (const input of tables) {
    const name = input.TableName!
    try {
      await client.send(new CreateTableCommand(input))
    } catch (err) {
      // An existing table is left as it is: production tables belong to Terraform.
      if (err instanceof Error && err.name === 'ResourceInUseException') continue
      throw err
    }
    await waitActive(client, name)
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    )
  }
}

async function waitActive(client: DocSender, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const out = (await client.send(new DescribeTableCommand({ TableName: name }))) as {
      Table?: { TableStatus?: string }
    }
    if (out.Table?.TableStatus === 'ACTIVE') return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`table ${name} did not become ACTIVE`)
}

/**
 * The guild table has the `inverted` index: one Query of it for a key that is never written.
 * A missing index answers ValidationException (so does one still being built). A Query
 * rather than DescribeTable for the reason `checkTables` (table-check.ts) gives.
 */
export async function checkGuildIndex(
  client: DocSender,
  table: string,
  variable: string,
  timeoutMs = 10_000,
): Promise<void> {
  try {
    await client.send(
      new QueryCommand({
        TableName: table,
        IndexName: INVERTED_INDEX,
        KeyConditionExpression: 'SK = :sk',
        ExpressionAttributeValues: { ':sk': '#check' },
        Limit: 1,
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    )
  } catch (err) {
    const why = err instanceof Error ? err.name : 'error'
    const detail =
      why === 'ValidationException' ? 'does not have' : `could not query (${why}: ${(err as Error).message})`
    throw new TableUnusableError(
      `DynamoDB table "${table}" (${variable}) ${detail} the global secondary index "${INVERTED_INDEX}" ` +
        '(hash key SK, range key PK, keys only; docs/storage.md): create it, or let CREATE_TABLES=true create a new table',
      { cause: err },
    )
  }
}
