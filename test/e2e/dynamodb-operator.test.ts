/**
 * Operator mistakes on DynamoDB (issue 8 item 14), on Amazon's DynamoDB Local: a missing table
 * stops the start naming it, and a store failure while running is 503 `unavailable`, never 500.
 */
import t from 'tap'
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb'
import { tableSchema } from '../../src/store/dynamodb/index.ts'
import { refusal } from '../support/client.ts'
import { startDynamoDbLocal, type DynamoDbLocal } from '../support/dynamodb-local.ts'
import { startChild, startInProcess } from '../support/server.ts'
import { rawClient } from '../support/dynamodb-fixtures.ts'
import { admin, http } from './scenarios/util.ts'

let dynamo: DynamoDbLocal
t.before(async () => {
  dynamo = await startDynamoDbLocal()
})
t.teardown(async () => {
  await dynamo?.stop()
})

const tables = () => {
  const suffix = Math.random().toString(36).slice(2, 8)
  return { CORE_TABLE: `gg_core_op_${suffix}`, GUILD_TABLE: `gg_guild_op_${suffix}` }
}

t.test('a missing table stops the start, naming the table and its variable', async (t) => {
  const names = tables()
  const env = { STORE: 'dynamodb', INTERNAL_PORT: '0', DYNAMODB_ENDPOINT: dynamo.endpoint, ...names }
  await t.rejects(
    startChild({ runtime: 'node', env }),
    new RegExp(`exited with 1[^]*"${names.CORE_TABLE}" \\(CORE_TABLE\\) does not exist`),
  )
  const server = await startChild({ runtime: 'node', env: { ...env, CREATE_TABLES: 'true' } })
  t.teardown(() => server.stop())
  t.equal((await http(server, 'GET', '/ready')).status, 200, 'CREATE_TABLES=true creates them, then it starts')
})

t.test('a guild table without the inverted index stops the start, naming table and index', async (t) => {
  const names = tables()
  const raw = rawClient(dynamo.endpoint)
  t.teardown(() => raw.destroy())
  for (const name of Object.values(names)) await raw.send(new CreateTableCommand(tableSchema(name)))
  const env = { STORE: 'dynamodb', INTERNAL_PORT: '0', DYNAMODB_ENDPOINT: dynamo.endpoint, ...names }
  await t.rejects(
    startChild({ runtime: 'node', env }),
    new RegExp(
      `exited with 1[^]*"${names.GUILD_TABLE}" \\(GUILD_TABLE\\) does not have the global secondary index "inverted"`,
    ),
  )
})

t.test('a store failure while running is 503 unavailable with the JSON body, never 500', async (t) => {
  const names = tables()
  const server = await startInProcess({
    env: { STORE: 'dynamodb', INTERNAL_PORT: '0', DYNAMODB_ENDPOINT: dynamo.endpoint, CREATE_TABLES: 'true', ...names },
  })
  t.teardown(() => server.stop())
  t.equal((await admin(server, 'PUT', '/admin/guilds/raid/members/alice')).status, 204)
  const raw = rawClient(dynamo.endpoint)
  await raw.send(new DeleteTableCommand({ TableName: names.GUILD_TABLE }))
  raw.destroy()

  const put = await admin(server, 'PUT', '/admin/guilds/raid/members/bob')
  t.equal(put.status, 503, 'admin call')
  t.match(put.body, { error: 'unavailable', message: /ResourceNotFoundException/ })
  const socket = await refusal(`${server.ws}/ws/rooms/${encodeURIComponent('GUILD#raid')}`, {
    token: await server.token({ sub: 'bob' }),
  })
  t.match(socket, { status: 503, body: { error: 'unavailable' } }, 'socket upgrade')
  t.notOk(
    server.logs.some((l) => l.event === 'http_error'),
    'nothing was an internal error',
  )
})
