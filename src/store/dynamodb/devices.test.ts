/**
 * The DeviceStore contract (test/contract/devices.ts) on DynamoDB Local, fresh tables per case: the
 * server's DynamoStore and the push worker's device-only store (device-store.ts).
 */
import t from 'tap'
import { deviceContract } from '../../../test/contract/devices.ts'
import { startDynamoDbLocal } from '../../../test/support/dynamodb-local.ts'
import {
  docClient,
  dropTables,
  localCredentials,
  openStore,
  uniqueTables,
} from '../../../test/support/dynamodb-fixtures.ts'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb'
import { claimKey } from './devices.ts'
import { openDynamoDeviceStore } from './device-store.ts'
import { TableUnusableError } from './table-check.ts'

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

deviceContract(t, 'the device store (push worker)', async ({ now, ...devices }) => {
  const tables = uniqueTables()
  await (await openStore(local.endpoint, tables)).close()
  const store = await openDynamoDeviceStore({
    endpoint: local.endpoint,
    region: 'us-east-1',
    credentials: localCredentials,
    ...tables,
    now,
    devices,
  })
  return {
    store,
    cleanup: async () => {
      await store.close()
      await dropTables(local.endpoint, tables)
    },
  }
})

t.test('the device store needs the core table only: a missing one stops its start, naming it', async (t) => {
  const tables = uniqueTables()
  const opts = { endpoint: local.endpoint, region: 'us-east-1', credentials: localCredentials, ...tables }
  await t.rejects(
    openDynamoDeviceStore(opts),
    new TableUnusableError(
      `DynamoDB table "${tables.coreTable}" (CORE_TABLE) does not exist: create it (docs/storage.md has the schema) or set CREATE_TABLES=true`,
    ),
  )
  await (await openStore(local.endpoint, tables)).close()
  t.teardown(() => dropTables(local.endpoint, tables))
  const raw = docClient(local.endpoint)
  t.teardown(() => raw.destroy())
  await raw.send(new DeleteTableCommand({ TableName: tables.guildTable }))
  const store = await openDynamoDeviceStore(opts)
  t.same(await store.listDevices('nobody'), [], 'opens and reads without the guild table')
  await store.close()
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
