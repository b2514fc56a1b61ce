/** The DeviceStore contract (test/contract/devices.ts) on DynamoDB Local, fresh tables per case. */
import t from 'tap'
import { deviceContract } from '../../../test/contract/devices.ts'
import { startDynamoDbLocal } from '../../../test/support/dynamodb-local.ts'
import { docClient, dropTables, openStore, uniqueTables } from '../../../test/support/dynamodb-fixtures.ts'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { claimKey } from './devices.ts'

const local = await startDynamoDbLocal()
t.teardown(local.stop)

deviceContract(t, 'DynamoStore', async ({ now, ...devices }) => {
  const tables = uniqueTables()
  const store = await openStore(local.endpoint, tables, { now, devices })
  return {
    store,
    cleanup: async () => {
      await store.close()
      await dropTables(local.endpoint, tables)
    },
  }
})

t.test('a push claim carries the ttl DynamoDB expires it by', async (t) => {
  const tables = uniqueTables()
  const store = await openStore(local.endpoint, tables, { now: () => 1_700_000_000_500 })
  t.teardown(async () => {
    await store.close()
    await dropTables(local.endpoint, tables)
  })
  await store.claimPush('m1', 'alice', 'phone')
  const client = docClient(local.endpoint)
  t.teardown(() => client.destroy())
  const out = await client.send(new GetCommand({ TableName: tables.coreTable, Key: claimKey('m1', 'alice', 'phone') }))
  t.equal(out.Item?.ttl, 1_700_000_000 + 14 * 24 * 3600, 'claim time + 14 days, in epoch seconds')
  t.same(claimKey('m#1', 'a%b', 'c'), { PK: 'PUSH#m%231', SK: 'DEVICE#a%25b#c' }, 'the design.md key, escaped')
})
