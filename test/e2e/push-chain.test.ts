// The whole push path with real parts: a guildhall server on DynamoDB Local publishing to a FIFO
// events queue on the local SQS, and `npm run notifier` reading it and pushing to the fake FCM.
// Bob registers a phone over HTTP; Alice posts into their conversation while Bob is offline:
// Bob's phone gets one notification in Spanish. Then Bob is online in the room: nothing is pushed.
import t from 'tap'
import { Client, is } from '../support/client.ts'
import { startDynamoDbLocal } from '../support/dynamodb-local.ts'
import { dropTables, uniqueTables } from '../support/dynamodb-fixtures.ts'
import { startFakeFcm } from '../support/fake-fcm.ts'
import { npmRun } from '../support/npm.ts'
import { startInProcess, tempDir } from '../support/server.ts'
import { startSqsEndpoint } from '../support/sqs-endpoint.ts'

const local = await startDynamoDbLocal()
const tables = uniqueTables()
const sqs = await startSqsEndpoint()
const fcm = await startFakeFcm()
const dir = tempDir('guildhall-push-chain-')
sqs.createQueue('events-dlq.fifo', { fifo: true })
sqs.createQueue('events.fifo', { fifo: true, redrive: { dlq: 'events-dlq.fifo', maxReceiveCount: 3 } })
const aws = {
  AWS_ENDPOINT_URL_SQS: sqs.url,
  AWS_REGION: 'us-east-1',
  EVENTS_QUEUE_URL: sqs.queueUrl('events.fifo'),
  STORE: 'dynamodb',
  DYNAMODB_ENDPOINT: local.endpoint,
  CORE_TABLE: tables.coreTable,
  GUILD_TABLE: tables.guildTable,
}
const server = await startInProcess({
  env: { ...aws, CREATE_TABLES: 'true', AUTO_CREATE_ROOMS: 'true', INTERNAL_PORT: '0' },
})
const notifier = npmRun('notifier', [], {
  ...aws,
  FCM_PROJECT_ID: fcm.projectId,
  GOOGLE_APPLICATION_CREDENTIALS: fcm.writeServiceAccount(dir.dir),
  FCM_ENDPOINT: fcm.url,
  NOTIFIER_POLL_WAIT_SECONDS: '1',
})
t.teardown(async () => {
  notifier.kill()
  await server.stop()
  await fcm.close()
  await sqs.close()
  await dropTables(local.endpoint, tables)
  await local.stop()
  dir.remove()
})
await notifier.logged((l) => l.event === 'notifier_started')

const alice = await server.token({ sub: 'alice' })
const bob = await server.token({ sub: 'bob' })
const http = (path: string, token: string, method: string, body?: unknown) =>
  fetch(`${server.http}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

t.test('a message to an offline member reaches their phone once; an online member gets no push', async (t) => {
  t.equal(
    (await http('/me/devices/phone', bob, 'PUT', { platform: 'fcm', token: 'tok-bob', locale: 'es' })).status,
    204,
  )
  const conversation = await http('/conversations', alice, 'POST', { members: ['bob'] })
  t.equal(conversation.status, 201)
  const { room } = (await conversation.json()) as { room: string }

  const posted = await http(`/rooms/${room}/messages`, alice, 'POST', { id: 'c1', text: '¿Cenamos a las 9?' })
  t.equal(posted.status, 201)
  const { messageId } = (await posted.json()) as { messageId: string }
  const line = await notifier.logged((l) => l.event === 'event_done' && l.messageId === messageId)
  t.match(line, { sent: 1, room })
  t.same(
    fcm.delivered.map((s) => s.message),
    [
      {
        token: 'tok-bob',
        notification: { title: 'Nuevo mensaje de alice', body: '¿Cenamos a las 9?' },
        data: { room, seq: '1', messageId },
        android: { collapse_key: messageId },
        apns: { headers: { 'apns-collapse-id': messageId } },
      },
    ],
  )

  const online = await Client.open(`${server.ws}/ws/rooms/${room}`, { token: bob })
  t.teardown(() => online.close())
  await online.take(is('welcome'))
  const deletes = () => sqs.calls.filter((c) => c.action === 'DeleteMessage').length
  const before = deletes()
  t.equal((await http(`/rooms/${room}/messages`, alice, 'POST', { id: 'c2', text: 'ya estás' })).status, 201)
  await online.take(is('message'))
  await sqs.waitForCall((c) => c.action === 'DeleteMessage' && deletes() > before)
  t.equal(fcm.delivered.length, 1, 'no push to a member who is online')
  const events = sqs.sent('events.fifo').map((m) => JSON.parse(m.body) as { seq: number; offline: string[] })
  t.same(
    events.map((e) => [e.seq, e.offline]),
    [
      [1, ['bob']],
      [2, []],
    ],
  )
})
