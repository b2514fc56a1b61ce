/**
 * The start check of the tables: each exists with the `PK`/`SK` key. Apart from tables.ts so
 * that a process which only checks (the push worker, device-store.ts) does not import the
 * CreateTable and index Query calls, which its IAM role does not grant.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import type { DocSender } from './config.ts'

/** A table the server or the push worker cannot use: it refuses to start rather than fail every request. */
export class TableUnusableError extends Error {
  override name = 'TableUnusableError'
}

/**
 * Each table exists and has the `PK`/`SK` key: one consistent GetItem of a key that is never
 * written. A missing table answers ResourceNotFoundException, another key schema
 * ValidationException. GetItem rather than DescribeTable because the server's IAM role needs
 * GetItem anyway, while DescribeTable is a permission a least-privilege policy need not grant.
 * `tables` maps each table name to the variable that names it, for the message.
 */
export async function checkTables(
  client: DocSender,
  tables: Record<string, string>,
  timeoutMs = 10_000,
): Promise<void> {
  for (const [name, variable] of Object.entries(tables)) {
    try {
      await client.send(
        new GetCommand({ TableName: name, Key: { PK: '#check', SK: '#check' }, ConsistentRead: true }),
        {
          abortSignal: AbortSignal.timeout(timeoutMs),
        },
      )
    } catch (err) {
      const why = err instanceof Error ? err.name : 'error'
      if (why === 'ResourceNotFoundException') {
        throw new TableUnusableError(
          `DynamoDB table "${name}" (${variable}) does not exist: create it (docs/storage.md has the schema) or set CREATE_TABLES=true`,
        )
      }
      if (why === 'ValidationException') {
        throw new TableUnusableError(
          `DynamoDB table "${name}" (${variable}) does not have the PK (string) + SK (string) key`,
        )
      }
      throw new TableUnusableError(
        `DynamoDB table "${name}" (${variable}) could not be read: ${why}: ${(err as Error).message}`,
        {
          cause: err,
        },
      )
    }
  }
}
