/**
 * The AWS SDK's calls under a group commit (docs/operations.md "Spans"): the real server in
 * process on DynamoDB Local, traced into a local OTLP receiver; a send's `room.commit` has
 * the DynamoDB TransactWriteItems client span as a child. AWS calls made outside a traced
 * operation (lease renewals, room loads) record nothing, and no message text is exported.
 */
import t from 'tap'
import { Client, is } from '../support/client.ts'
import { dynamoServerEnv, startDynamoDbLocal, type DynamoDbLocal } from '../support/dynamodb-local.ts'
import { startOtlpReceiver } from '../support/otlp-receiver.ts'
import { startInProcess } from '../support/server.ts'
import { say, uniq } from '../e2e/scenarios/util.ts'

let dynamo: DynamoDbLocal
t.before(async () => {
  dynamo = await startDynamoDbLocal()
})
t.teardown(() => dynamo?.stop())

t.test('room.commit has the DynamoDB write as a child span', async (t) => {
  const rx = await startOtlpReceiver()
  t.teardown(() => rx.close())
  const s = await startInProcess({
    env: {
      ...dynamoServerEnv(dynamo.endpoint, 'otel'),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    },
  })
  let stopped = false
  t.teardown(() => (stopped ? undefined : s.stop()))
  const room = uniq('aws')
  const token = await s.token({ sub: 'alice' })
  const c = await Client.open(`${s.ws}/ws/rooms/${room}?token=${token}`)
  await c.take(is('welcome'))
  const text = `secret words ${uniq('text')}`
  await say(c, 'm1', text)
  await c.close()
  await s.stop()
  stopped = true

  const commit = await rx.span((x) => x.name === 'room.commit')
  const write = await rx.span(
    (x) => x.parentSpanId === commit.spanId && x.attributes['rpc.method'] === 'TransactWriteItems',
  )
  t.match(write, { traceId: commit.traceId, kind: 3 }, 'a client span in the commit trace')
  t.match(write.attributes, { 'rpc.system': 'aws-api', 'rpc.service': 'DynamoDB' })
  t.notOk(
    rx.requests.some((r) => r.body.toString('latin1').includes(text)),
    'no message text exported (no DynamoDB statement serializer)',
  )
  t.ok(
    rx.spans().every((x) => x.kind !== 3 || x.parentSpanId !== '' || x.name.startsWith('link.')),
    'no AWS call recorded outside a traced operation',
  )
})
