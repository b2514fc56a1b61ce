/**
 * Tracing the Deno server with OpenTelemetry's JS SDK from npm (otel/sdk.ts run under Deno),
 * not Deno's built-in exporter (OTEL_DENO unset): the server started by `start:deno`'s command
 * with the standard OTEL_* variables exports the same spans as on Node (the upgrade's HTTP
 * span under its route pattern, `frame send`, `room.commit`, `room.broadcast`), annotated and
 * with X-Ray trace ids, and no token or message text in anything it sends; on DynamoDB
 * Local, the AWS SDK's write is a child of `room.commit` as on Node (test/otel/aws-sdk.test.ts).
 */
import t from 'tap'
import { Client, is } from '../support/client.ts'
import { startOtlpReceiver } from '../support/otlp-receiver.ts'
import { dynamoServerEnv, startDynamoDbLocal } from '../support/dynamodb-local.ts'
import { startChild } from '../support/server.ts'
import { say, uniq } from '../e2e/scenarios/util.ts'

for (const protocol of ['http/json', 'http/protobuf'])
  t.test(
    `${protocol}: Deno traced by the npm SDK: the same spans as on Node, X-Ray ids, no token or text`,
    async (t) => {
      const rx = await startOtlpReceiver()
      t.teardown(() => rx.close())
      const startedAt = Math.floor(Date.now() / 1000)
      const s = await startChild({
        runtime: 'deno',
        env: {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
          OTEL_BSP_SCHEDULE_DELAY: '50',
        },
      })
      let stopped = false
      t.teardown(() => (stopped ? undefined : s.terminate()))
      if (
        !t.notOk(
          s.lines.some((l) => l.event === 'tracing_unavailable'),
          'no tracing_unavailable',
        )
      )
        return

      const room = uniq('denotraced')
      const token = await s.token({ sub: 'alice' })
      // The token in the query, as browsers send it: it must not reach any span.
      const c = await Client.open(`${s.ws}/ws/rooms/${room}?token=${token}`)
      await c.take(is('welcome'))
      const text = `secret words ${uniq('text')}`
      await say(c, 'm1', text)

      const up = await rx.span((x) => x.name === 'HTTP GET /ws/rooms/:roomId')
      t.match(up, { kind: 2, parentSpanId: '' })
      t.match(up.attributes, {
        'http.method': 'GET',
        'http.route': '/ws/rooms/:roomId',
        'http.status_code': 101,
        room_id: room,
        user_id: 'alice',
      })
      const send = await rx.span((x) => x.name === 'frame send')
      t.ok(
        send.links.some((l) => l.spanId === up.spanId),
        'frame send linked to the upgrade',
      )
      t.match(send.attributes, { room_id: room, user_id: 'alice' })
      const commit = await rx.span((x) => x.name === 'room.commit' && x.attributes.room_id === room)
      t.ok(
        commit.links.some((l) => l.spanId === send.spanId),
        'room.commit linked to the send',
      )
      const broadcast = await rx.span((x) => x.name === 'room.broadcast' && x.attributes.room_id === room)
      t.match(broadcast, { traceId: send.traceId, parentSpanId: send.spanId }, 'room.broadcast a child of the send')
      t.match(broadcast.attributes, { user_id: 'alice', seq: 1 })
      t.ok(
        (broadcast.attributes['aws.xray.annotations'] as string[]).includes('room_id'),
        'room_id an X-Ray annotation',
      )
      t.ok((up.attributes['aws.xray.annotations'] as string[]).includes('user_id'), 'user_id an X-Ray annotation')
      t.equal(up.resource['service.name'], 'guildhall')

      for (const span of [up, send, commit, broadcast]) {
        const epoch = parseInt(span.traceId.slice(0, 8), 16)
        t.ok(
          Math.abs(epoch - startedAt) < 300,
          `${span.name}: an X-Ray trace id (${span.traceId.slice(0, 8)} = ${epoch}, started ${startedAt})`,
        )
      }

      await c.close()
      t.equal(await s.terminate(), 0)
      stopped = true
      t.ok(rx.requests.length > 0)
      t.notOk(
        rx.spans().some((x) => 'url.full' in x.attributes || 'url.query' in x.attributes),
        "none of Deno's own request spans",
      )
      t.notOk(
        rx.requests.some((r) => /\/v1\/(metrics|logs)$/.test(r.path)),
        "nothing of Deno's built-in exporter",
      )
      for (const r of rx.requests) {
        t.notOk(r.body.includes(token), 'no token in what was exported')
        t.notOk(r.body.includes('token='), 'no query string in what was exported')
        t.notOk(r.body.includes(text), 'no message text in what was exported')
      }
    },
  )

t.test('Deno on DynamoDB Local: room.commit has the DynamoDB write as a child span', async (t) => {
  const dynamo = await startDynamoDbLocal()
  t.teardown(() => dynamo.stop())
  const rx = await startOtlpReceiver()
  t.teardown(() => rx.close())
  const s = await startChild({
    runtime: 'deno',
    env: {
      ...dynamoServerEnv(dynamo.endpoint, 'denotel'),
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    },
  })
  let stopped = false
  t.teardown(() => (stopped ? undefined : s.terminate()))
  if (
    !t.notOk(
      s.lines.some((l) => l.event === 'tracing_unavailable'),
      'no tracing_unavailable',
    )
  )
    return
  const room = uniq('denoaws')
  const token = await s.token({ sub: 'alice' })
  const c = await Client.open(`${s.ws}/ws/rooms/${room}?token=${token}`)
  await c.take(is('welcome'))
  const text = `secret words ${uniq('text')}`
  await say(c, 'm1', text)
  await c.close()
  t.equal(await s.terminate(), 0)
  stopped = true

  const commit = await rx.span((x) => x.name === 'room.commit')
  const write = await rx.span(
    (x) => x.parentSpanId === commit.spanId && x.attributes['rpc.method'] === 'TransactWriteItems',
  )
  t.match(write, { traceId: commit.traceId, kind: 3 }, 'a client span in the commit trace')
  t.match(write.attributes, { 'rpc.system': 'aws-api', 'rpc.service': 'DynamoDB' })
  for (const r of rx.requests) {
    t.notOk(r.body.toString('latin1').includes(text), 'no message text exported')
    t.notOk(r.body.toString('latin1').includes(token), 'no token exported')
  }
})
