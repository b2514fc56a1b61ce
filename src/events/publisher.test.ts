/**
 * The SQS publisher with the real `@aws-sdk/client-sqs` against the local SQS
 * (test/support/sqs-endpoint.ts): 10 events a SendMessageBatch and under the byte cap, one
 * batch after the other, FIFO group and deduplication ids, only refused entries sent again,
 * a failing or hanging endpoint failing the publish (never holding it), bodies SQS accepts
 * whatever the text.
 */
import t from 'tap'
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import { messageCreated, type MessageCreatedEvent } from '../../actors/events.ts'
import { startSqsEndpoint } from '../../test/support/sqs-endpoint.ts'
import { SqsEventPublisher } from './publisher.ts'
import { sqsClient } from './sqs-client.ts'

const sqs = await startSqsEndpoint()
t.teardown(() => sqs.close())
const client = new SQSClient({
  endpoint: sqs.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
})
t.teardown(() => client.destroy())

const events = (room: string, n: number, from = 1, text = (i: number) => `m${i}`): MessageCreatedEvent[] =>
  Array.from({ length: n }, (_, k) => {
    const seq = from + k
    return messageCreated(
      {
        id: `${room}-${seq}`,
        seq,
        roomId: room,
        senderId: 'ann',
        text: text(seq),
        ts: 1_700_000_000_000 + seq,
        clientId: `c${seq}`,
      },
      ['bob'],
    )
  })
const sent = (queue: string) => sqs.sent(queue).map((m) => JSON.parse(m.body) as MessageCreatedEvent)
const batchCalls = (queue: string) => sqs.calls.filter((c) => c.queue === queue && c.action === 'SendMessageBatch')

t.test('10 events a batch, each body the event', async (t) => {
  const queueUrl = sqs.createQueue('plain')
  const publisher = new SqsEventPublisher({ client, queueUrl })
  t.equal(await publisher.publish('lobby', events('lobby', 25)), 25)
  t.same(
    batchCalls('plain')
      .map((c) => (c.input.Entries as unknown[]).length)
      .sort((a, b) => b - a),
    [10, 10, 5],
  )
  t.same(
    sent('plain').sort((a, b) => a.seq - b.seq),
    events('lobby', 25),
    'the bodies parse back to the events (a standard queue keeps no order: batches go at once)',
  )
  t.notOk((batchCalls('plain')[0]!.input.Entries as { MessageGroupId?: string }[])[0]!.MessageGroupId)
})

t.test('one publisher for the node: several rooms share a call', async (t) => {
  for (const name of ['rooms', 'rooms.fifo']) {
    const queueUrl = sqs.createQueue(name)
    const publisher = new SqsEventPublisher({ client, queueUrl })
    const rooms = Array.from({ length: 10 }, (_, i) => `room${i}`)
    const answers = await Promise.all(rooms.map((room) => publisher.publish(room, events(room, 3))))
    t.same(
      answers,
      rooms.map(() => 3),
      `${name}: each room told its own count`,
    )
    t.ok(batchCalls(name).length <= 4, `${name}: 30 events of 10 rooms in ${batchCalls(name).length} calls, not 10`)
    for (const room of rooms) {
      const mine = sqs.sent(name).filter((m) => (JSON.parse(m.body) as MessageCreatedEvent).room === room)
      t.same(
        mine.map((m) => (JSON.parse(m.body) as MessageCreatedEvent).seq),
        [1, 2, 3],
        `${name}: ${room}'s events once, in seq order`,
      )
      if (name.endsWith('.fifo')) t.same(new Set(mine.map((m) => m.groupId)), new Set([room]), 'its own group')
    }
  }
})

t.test('FIFO: a room never has two calls in flight; a refused event stops only its own room', async (t) => {
  const queueUrl = sqs.createQueue('shared.fifo')
  const publisher = new SqsEventPublisher({ client, queueUrl, entryRetryMs: 1, entryRetries: 1 })
  sqs.faults.failEntries((e) => e.MessageDeduplicationId === 'b-2')
  const [a, b] = await Promise.all([publisher.publish('a', events('a', 15)), publisher.publish('b', events('b', 15))])
  sqs.faults.clear()
  t.equal(a, 15, 'room a: all taken')
  t.equal(b, 1, 'room b: up to its refused event')
  t.notOk(
    sqs.sent('shared.fifo').some((m) => m.groupId === 'b' && (JSON.parse(m.body) as MessageCreatedEvent).seq > 10),
    'no later batch of b was sent (within the refused batch, SQS decides about the entries after it)',
  )
})

t.test('FIFO: rooms share calls, a room never has two calls in flight', async (t) => {
  const queueUrl = sqs.createQueue('flight.fifo')
  const inFlight = new Map<string, number>()
  let overlap = 0
  const watching: Pick<SQSClient, 'send'> = {
    send: (async (command: SendMessageBatchCommand, opts: object) => {
      const groups = new Set((command.input.Entries ?? []).map((e) => e.MessageGroupId!))
      for (const g of groups) {
        inFlight.set(g, (inFlight.get(g) ?? 0) + 1)
        if (inFlight.get(g)! > 1) overlap++
      }
      try {
        return await client.send(command, opts)
      } finally {
        for (const g of groups) inFlight.set(g, inFlight.get(g)! - 1)
      }
    }) as SQSClient['send'],
  }
  const publisher = new SqsEventPublisher({ client: watching, queueUrl })
  const rooms = ['a', 'b', 'c', 'd', 'e']
  t.same(await Promise.all(rooms.map((room) => publisher.publish(room, events(room, 23)))), [23, 23, 23, 23, 23])
  t.equal(overlap, 0, 'no room in two calls at once')
  t.ok(batchCalls('flight.fifo').length < 15, `${batchCalls('flight.fifo').length} calls, fewer than 3 a room`)
  for (const room of rooms)
    t.same(
      sqs
        .sent('flight.fifo')
        .filter((m) => m.groupId === room)
        .map((m) => (JSON.parse(m.body) as MessageCreatedEvent).seq),
      Array.from({ length: 23 }, (_, i) => i + 1),
      `${room}: in seq order`,
    )
})

t.test('a batch stays under the byte cap: long texts split it', async (t) => {
  const queueUrl = sqs.createQueue('bytes')
  const publisher = new SqsEventPublisher({ client, queueUrl, concurrency: 1 })
  const long = events('lobby', 10, 1, (i) => `${i}`.padEnd(40_000, 'é'))
  t.equal(await publisher.publish('lobby', long), 10)
  const calls = batchCalls('bytes')
  t.ok(calls.length >= 4, `${calls.length} calls for 10 events of 80 KB`)
  for (const c of calls) {
    const bytes = (c.input.Entries as { MessageBody: string }[]).reduce(
      (n, e) => n + Buffer.byteLength(e.MessageBody),
      0,
    )
    t.ok(bytes <= 256 * 1024, `a call of ${bytes} bytes`)
  }
  t.same(
    sent('bytes').map((e) => e.seq),
    Array.from({ length: 10 }, (_, i) => i + 1),
  )
})

t.test('FIFO: the room is the group, the message id the deduplication id, seq order kept', async (t) => {
  const queueUrl = sqs.createQueue('events.fifo')
  const publisher = new SqsEventPublisher({ client, queueUrl })
  t.ok(publisher.fifo)
  await Promise.all([publisher.publish('a', events('a', 12)), publisher.publish('GUILD#b', events('GUILD#b', 12))])
  const messages = sqs.sent('events.fifo')
  for (const room of ['a', 'GUILD#b']) {
    const mine = messages.filter((m) => m.groupId === room)
    t.same(
      mine.map((m) => (JSON.parse(m.body) as MessageCreatedEvent).seq),
      Array.from({ length: 12 }, (_, i) => i + 1),
      `${room}: in seq order within its group`,
    )
    t.same(
      mine.map((m) => m.dedupId),
      mine.map((m) => (JSON.parse(m.body) as MessageCreatedEvent).messageId),
    )
  }
  // Published again (a crash before the cursor moved): SQS deduplicates by message id.
  await publisher.publish('a', events('a', 3))
  t.equal(sqs.messages('events.fifo').filter((m) => m.groupId === 'a').length, 12, 'no duplicate enqueued')
})

t.test('refused entries, and only those, are sent again', async (t) => {
  const queueUrl = sqs.createQueue('partial')
  const publisher = new SqsEventPublisher({ client, queueUrl, entryRetryMs: 1 })
  let refusals = 2
  sqs.faults.failEntries((e) => e.Id === '3' && refusals-- > 0)
  t.equal(await publisher.publish('lobby', events('lobby', 10)), 10)
  sqs.faults.clear()
  const calls = batchCalls('partial')
  t.same(
    calls.map((c) => (c.input.Entries as { Id: string }[]).map((e) => e.Id)),
    [['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], ['3'], ['3']],
  )
  t.same(
    sent('partial')
      .map((e) => e.seq)
      .sort((a, b) => a - b),
    Array.from({ length: 10 }, (_, i) => i + 1),
    'every event once',
  )
})

t.test('an entry refused past the retries ends the publish there: the leading events count', async (t) => {
  const queueUrl = sqs.createQueue('stuck.fifo')
  const publisher = new SqsEventPublisher({ client, queueUrl, entryRetryMs: 1, entryRetries: 2 })
  sqs.faults.failEntries((e) => e.Id === '4')
  t.equal(await publisher.publish('lobby', events('lobby', 25)), 4, 'seqs 1-4 taken; the room goes on from 5')
  t.equal(batchCalls('stuck.fifo').length, 3, 'FIFO: the later batches were not sent (they would overtake seq 5)')
  const plain = new SqsEventPublisher({ client, queueUrl: sqs.createQueue('stuck'), entryRetryMs: 1, entryRetries: 2 })
  t.equal(await plain.publish('lobby', events('lobby', 25)), 4, 'a standard queue: the same answer')
  sqs.faults.clear()
})

t.test('an endpoint that fails or hangs fails the publish; it never holds it', async (t) => {
  const queueUrl = sqs.createQueue('down')
  const publisher = new SqsEventPublisher({ client, queueUrl, callTimeoutMs: 300 })
  sqs.faults.failNext(10)
  await t.rejects(publisher.publish('lobby', events('lobby', 3)))
  sqs.faults.clear()
  sqs.faults.hang('SendMessageBatch')
  await t.rejects(publisher.publish('lobby', events('lobby', 3)), 'cut by the call timeout')
  sqs.faults.clear()
  t.equal(await publisher.publish('lobby', events('lobby', 3)), 3, 'and works again once the queue is back')
})

t.test('any text makes a body SQS takes (U+FFFF escaped)', async (t) => {
  const queueUrl = sqs.createQueue('chars')
  const publisher = new SqsEventPublisher({ client, queueUrl })
  const odd = events('lobby', 1, 1, () => 'a\uFFFFb\uFFFEc\u0001\uD800')
  t.equal(await publisher.publish('lobby', odd), 1)
  t.notMatch(sqs.sent('chars')[0]!.body, /[\uFFFE\uFFFF]/)
  const raw = await client.send(
    new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: [{ Id: '0', MessageBody: JSON.stringify(odd[0]) }] }),
  )
  t.equal(raw.Failed?.[0]?.Code, 'InvalidMessageContents', 'unescaped, SQS would have refused it')
  t.equal(sent('chars')[0]!.text, odd[0]!.text, 'and parses back to the same text')
})

t.test('the client honours AWS_ENDPOINT_URL_SQS, with dummy credentials for a local one', async (t) => {
  const queueUrl = sqs.createQueue('env')
  const saved = process.env.AWS_ENDPOINT_URL_SQS
  process.env.AWS_ENDPOINT_URL_SQS = sqs.url
  t.teardown(() => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL_SQS
    else process.env.AWS_ENDPOINT_URL_SQS = saved
  })
  const c = sqsClient({ AWS_ENDPOINT_URL_SQS: sqs.url }, 'eu-west-1')
  t.teardown(() => c.destroy())
  const publisher = new SqsEventPublisher({
    client: c,
    queueUrl: queueUrl.replace(sqs.url, 'https://sqs.eu-west-1.amazonaws.com'),
  })
  t.equal(await publisher.publish('lobby', events('lobby', 2)), 2, 'sent to the local endpoint, not AWS')
  t.equal(sqs.sent('env').length, 2)
})
