/**
 * The table schema, the one Terraform declares (infra issue): string `PK` hash key, string
 * `SK` range key, on-demand billing, TTL on the `ttl` attribute, no secondary indexes.
 * `CREATE_TABLES=true` creates missing tables with it, for DynamoDB Local.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  UpdateTimeToLiveCommand,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb'
import { TTL_ATTRIBUTE, type DocSender } from './config.ts'

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

/** CREATE_TABLES: both tables, each as `tableSchema` plus TTL enabled on `ttl`. */
export const CREATE_TABLES = (coreTable: string, guildTable: string): CreateTableCommandInput[] => [
  tableSchema(coreTable),
  tableSchema(guildTable),
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
