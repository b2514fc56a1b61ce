/** The shared Store contract (test/contract/store.ts) on DynamoDB Local, fresh tables per case. */
import t from 'tap'
import { storeContract, type StoreUnderTest } from '../../../test/contract/store.ts'
import { startDynamoDbLocal } from '../../../test/support/dynamodb-local.ts'
import { dropTables, openStore, uniqueTables } from '../../../test/support/dynamodb-fixtures.ts'

const local = await startDynamoDbLocal()
t.teardown(local.stop)

const makeStore = async (): Promise<StoreUnderTest> => {
  const tables = uniqueTables()
  let current = await openStore(local.endpoint, tables)
  return {
    store: current,
    reopen: async () => (current = await openStore(local.endpoint, tables, { createTables: false })),
    cleanup: async () => {
      await current.close()
      await dropTables(local.endpoint, tables)
    },
  }
}
storeContract(t, 'DynamoStore', makeStore)
