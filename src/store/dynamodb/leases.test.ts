/** Node leases on DynamoDB Local: the LeaseStore contract, and the items as stored. */
import { QueryCommand } from '@aws-sdk/client-dynamodb'
import t from 'tap'
import { leaseContract } from '../../../test/contract/leases.ts'
import { startDynamoDbLocal } from '../../../test/support/dynamodb-local.ts'
import {
  docClient,
  dropTables,
  FaultySender,
  openStore,
  rawClient,
  uniqueTables,
} from '../../../test/support/dynamodb-fixtures.ts'

const local = await startDynamoDbLocal()
t.teardown(local.stop)
const raw = rawClient(local.endpoint)
t.teardown(() => raw.destroy())

async function twoNodes() {
  const tables = uniqueTables()
  const first = await openStore(local.endpoint, tables)
  const second = await openStore(local.endpoint, tables, { createTables: false })
  return {
    tables,
    first,
    second,
    cleanup: async () => {
      await first.close()
      await second.close()
      await dropTables(local.endpoint, tables)
    },
  }
}

leaseContract(t, 'DynamoLeaseStore', async () => {
  const { first, second, cleanup } = await twoNodes()
  return { a: first.leases(), b: second.leases(), cleanup }
})

t.test('lease items: PK CLUSTER, SK NODE#<id> in the core table, version raised, ttl a day on', async (t) => {
  const { tables, first, second, cleanup } = await twoNodes()
  t.teardown(cleanup)
  const now = 1_900_000_000_000
  const leases = first.leases({ now: () => now })
  await leases.renew({ id: 'n1', address: '10.0.0.1:7000', rooms: 3 })
  await leases.renew({ id: 'n1', address: '10.0.0.1:7000', rooms: 4 })
  // Rooms and their items are elsewhere: a general room's partition, META in it.
  await second.putRoom({ roomId: 'CLUSTER', visibility: 'public' })
  const out = await raw.send(
    new QueryCommand({
      TableName: tables.coreTable,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: 'CLUSTER' } },
      ConsistentRead: true,
    }),
  )
  t.same(out.Items, [
    {
      PK: { S: 'CLUSTER' },
      SK: { S: 'NODE#n1' },
      type: { S: 'NodeLease' },
      nodeId: { S: 'n1' },
      address: { S: '10.0.0.1:7000' },
      rooms: { N: '4' },
      version: { N: '2' },
      ttl: { N: String(now / 1000 + 86_400) },
    },
  ])
  t.same(
    (await second.listRooms()).map((r) => r.roomId),
    ['CLUSTER'],
    'lease items are not rooms',
  )
  t.same(
    await second.leases().list(),
    [{ id: 'n1', address: '10.0.0.1:7000', rooms: 4, version: 2 }],
    'another store instance sees it',
  )
})

t.test('list follows pages: more leases than one response holds', async (t) => {
  const { tables, cleanup } = await twoNodes()
  t.teardown(cleanup)
  const counting = new FaultySender(docClient(local.endpoint))
  const store = await openStore(local.endpoint, tables, { createTables: false, client: counting })
  t.teardown(() => store.close())
  const leases = store.leases()
  // ~ 3 KB addresses: 400 leases are over 1 MB, more than one Query response.
  const address = 'h'.repeat(3_000)
  const ids = Array.from({ length: 400 }, (_, i) => `n${String(i).padStart(3, '0')}`)
  for (let i = 0; i < ids.length; i += 25) {
    await Promise.all(ids.slice(i, i + 25).map((id) => leases.renew({ id, address, rooms: 0 })))
  }
  const listed = await leases.list()
  t.equal(counting.count('QueryCommand'), 2, 'two pages')
  t.equal(listed.length, ids.length)
  t.same(
    listed.map((l) => l.id),
    ids,
  )
})
