/**
 * The local SQS (test/support/sqs-endpoint.ts) driven by the real `@aws-sdk/client-sqs`: what
 * the events publisher, the commands consumer and the push worker rely on behaves as on AWS
 * (shapes, MD5s the SDK checks, named errors, FIFO order and dedup, redrive), and the faults
 * the tests inject reach the SDK as AWS's would.
 */
import t from 'tap'
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  RequestThrottled,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs'
import { startSqsEndpoint } from './sqs-endpoint.ts'

const sqs = await startSqsEndpoint()
t.teardown(() => sqs.close())
const client = (maxAttempts = 1) =>
  new SQSClient({
    endpoint: sqs.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  })
const c = client()
t.teardown(() => c.destroy())

t.test('create, look up, send, receive with attributes, delete', async (t) => {
  const { QueueUrl } = await c.send(new CreateQueueCommand({ QueueName: 'plain' }))
  t.equal(QueueUrl, sqs.queueUrl('plain'))
  t.equal((await c.send(new GetQueueUrlCommand({ QueueName: 'plain' }))).QueueUrl, QueueUrl)
  await t.rejects(c.send(new GetQueueUrlCommand({ QueueName: 'nope' })), QueueDoesNotExist)

  const sent = await c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'héllo' }))
  t.ok(sent.MessageId, 'the SDK accepted the MD5 of the body')
  const got = await c.send(
    new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
  )
  t.equal(got.Messages?.length, 1)
  const m = got.Messages![0]!
  t.equal(m.Body, 'héllo')
  t.equal(m.MessageId, sent.MessageId)
  t.equal(m.Attributes?.ApproximateReceiveCount, '1')
  const attrs = await c.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))
  t.equal(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible, '1')
  await c.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle! }))
  t.same(sqs.messages('plain'), [])
  t.equal(sqs.sent('plain').length, 1, 'sent keeps what was accepted')
})

t.test('batches: 10 at most, partial failures by entry', async (t) => {
  const QueueUrl = sqs.createQueue('batch')
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `e${i}`, MessageBody: `m${i}` }))
  await t.rejects(c.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(11) })), TooManyEntriesInBatchRequest)
  sqs.faults.failEntries((e) => e.Id === 'e3' || e.Id === 'e7')
  const out = await c.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(10) }))
  t.equal(out.Successful?.length, 8)
  t.same(
    out.Failed?.map((f) => [f.Id, f.SenderFault]),
    [
      ['e3', false],
      ['e7', false],
    ],
  )
  sqs.faults.clear()
  t.same(
    sqs.sent('batch').map((m) => m.body),
    ['m0', 'm1', 'm2', 'm4', 'm5', 'm6', 'm8', 'm9'],
  )
})

t.test('FIFO: order per group, one group in flight at a time, 5-minute dedup', async (t) => {
  const QueueUrl = sqs.createQueue('events.fifo')
  const send = (group: string, id: string) =>
    c.send(new SendMessageCommand({ QueueUrl, MessageBody: id, MessageGroupId: group, MessageDeduplicationId: id }))
  const first = await send('a', 'a1')
  await send('b', 'b1')
  await send('a', 'a2')
  const again = await send('a', 'a1')
  t.equal(again.MessageId, first.MessageId, 'a duplicate answers with the first id')
  t.equal(sqs.messages('events.fifo').length, 3, 'and is not enqueued')

  const r1 = await c.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 1 }))
  t.equal(r1.Messages?.[0]?.Body, 'a1')
  const r2 = await c.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
  t.same(
    r2.Messages?.map((m) => m.Body),
    ['b1'],
    'group a is blocked while a1 is in flight',
  )
  await c.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: r1.Messages![0]!.ReceiptHandle! }))
  const r3 = await c.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))
  t.same(
    r3.Messages?.map((m) => m.Body),
    ['a2'],
  )
  await t.rejects(c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), /MessageGroupId/)
})

t.test('long polling wakes on a send; visibility timeout and redrive to a DLQ', async (t) => {
  sqs.createQueue('dlq')
  const QueueUrl = sqs.createQueue('work', { redrive: { dlq: 'dlq', maxReceiveCount: 2 } })
  const polled = c.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }))
  await sqs.waitForCall((x) => x.action === 'ReceiveMessage' && x.queue === 'work')
  await c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }))
  const first = (await polled).Messages?.[0]
  t.equal(first?.Body, 'poison', 'the waiting receive got it')
  // Give it back at once twice: the third receive finds it moved to the DLQ.
  await c.send(
    new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: first!.ReceiptHandle!, VisibilityTimeout: 0 }),
  )
  const second = await c.send(
    new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }),
  )
  t.equal(second.Messages?.[0]?.Attributes?.ApproximateReceiveCount, '2')
  await c.send(
    new ChangeMessageVisibilityCommand({
      QueueUrl,
      ReceiptHandle: second.Messages![0]!.ReceiptHandle!,
      VisibilityTimeout: 0,
    }),
  )
  const third = await c.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }))
  t.equal(third.Messages, undefined)
  t.same(
    sqs.messages('dlq').map((m) => m.body),
    ['poison'],
  )
  const fromDlq = await c.send(new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl('dlq') }))
  await c.send(
    new DeleteMessageBatchCommand({
      QueueUrl: sqs.queueUrl('dlq'),
      Entries: [{ Id: 'x', ReceiptHandle: fromDlq.Messages![0]!.ReceiptHandle! }],
    }),
  )
  t.same(sqs.messages('dlq'), [])
})

t.test('faults: 500s and throttles are retried by the SDK, hung calls held then dropped', async (t) => {
  const QueueUrl = sqs.createQueue('faulty')
  const retrying = client(3)
  t.teardown(() => retrying.destroy())
  sqs.faults.failNext(2, { kind: 'throttle', action: 'SendMessage' })
  await retrying.send(new SendMessageCommand({ QueueUrl, MessageBody: 'after two throttles' }))
  const attempts = sqs.calls.filter((x) => x.queue === 'faulty' && x.action === 'SendMessage')
  t.same(
    attempts.map((x) => x.status),
    [400, 400, 200],
  )
  sqs.faults.failNext(1)
  const err = await c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })).catch((e: unknown) => e)
  t.match(err, { $metadata: { httpStatusCode: 500 } })
  sqs.faults.failNext(1, { kind: 'throttle' })
  await t.rejects(c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), RequestThrottled)

  sqs.faults.hang('SendMessage')
  const hung = c.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hung' }))
  await sqs.waitForCall((x) => x.input.MessageBody === 'hung')
  sqs.faults.release()
  await t.rejects(hung, 'a dropped connection fails the call')
  t.equal(sqs.sent('faulty').length, 1, 'and it never took effect')
})
