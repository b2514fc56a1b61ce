/**
 * The events queue on SQS (`@aws-sdk/client-sqs`): long polling with ReceiveMessage, asking for
 * each message's ApproximateReceiveCount, ChangeMessageVisibility to keep an event in hand hidden,
 * and DeleteMessage by receipt handle. The SDK's own
 * configuration applies (the client is src/events/sqs-client.ts's, as the servers'): region,
 * credentials chain, and `AWS_ENDPOINT_URL_SQS` (tests, VPC endpoints). The poll is aborted by the worker's stop signal.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import type { EventQueue, QueueMessage } from './worker.ts'

export interface SqsQueueOptions {
  queueUrl: string
  client: SQSClient
}

export function createSqsQueue(opts: SqsQueueOptions): EventQueue & { close(): void } {
  const { client } = opts
  return {
    async receive({ max, waitSeconds, visibilitySeconds, signal }) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: opts.queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: visibilitySeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        { abortSignal: signal },
      )
      return (out.Messages ?? []).flatMap((m): QueueMessage[] =>
        m.MessageId && m.ReceiptHandle
          ? [
              {
                id: m.MessageId,
                receipt: m.ReceiptHandle,
                body: m.Body ?? '',
                receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1),
              },
            ]
          : [],
      )
    },
    async delete(message) {
      await client.send(new DeleteMessageCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: message.receipt }))
    },
    async extend(message, seconds) {
      await client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: opts.queueUrl,
          ReceiptHandle: message.receipt,
          VisibilityTimeout: seconds,
        }),
      )
    },
    close() {
      client.destroy()
    },
  }
}
