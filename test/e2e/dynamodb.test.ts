/**
 * The protocol scenario suite once more, with STORE=dynamodb on Amazon's DynamoDB Local:
 * tables created at start (CREATE_TABLES=true) with the production key schema.
 */
import t from 'tap'
import { dynamoServerEnv, startDynamoDbLocal, type DynamoDbLocal } from '../support/dynamodb-local.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { protocolScenarios } from './scenarios/index.ts'

let dynamo: DynamoDbLocal
let server: InProcess
t.before(async () => {
  dynamo = await startDynamoDbLocal()
  server = await startInProcess({
    env: {
      ...dynamoServerEnv(dynamo.endpoint, 'e2e'),
    },
  })
})
t.teardown(async () => {
  await server?.stop()
  await dynamo?.stop()
})

t.test('the server runs on the DynamoDB store', async (t) => {
  t.equal(server.gh.store.constructor.name, 'DynamoStore')
  t.equal(
    server.gh.host.limits.maxBatchSize,
    server.gh.store.maxBatchSize,
    'group commit bounded by the transaction cap',
  )
})

protocolScenarios(t, () => server)
