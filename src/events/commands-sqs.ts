/**
 * The commands queue on SQS (`@aws-sdk/client-sqs`): long polling with ReceiveMessage (with
 * each message's ApproximateReceiveCount), DeleteMessage and ChangeMessageVisibility by receipt
 * handle, on the client sqs-client.ts makes (region, credentials chain, `AWS_ENDPOINT_URL_SQS`).
 * A long poll is aborted by the consumer's stop.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs'
import type { CommandMessage, CommandQueue } from './commands-consumer.ts'

export interface SqsCommandQueueOptions {
  queueUrl: string
  /** From `sqsClient` (sqs-client.ts); destroyed by `close`. */
  client: SQSClient
}

export function createSqsCommandQueue(opts: SqsCommandQueueOptions): CommandQueue & { close(): void } {
  const { client } = opts
  const QueueUrl = opts.queueUrl
  return {
    async receive({ max, waitSeconds, visibilitySeconds, signal }) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: waitSeconds,
          VisibilityTimeout: visibilitySeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount'],
        }),
        { abortSignal: signal },
      )
      return (out.Messages ?? []).flatMap((m): CommandMessage[] =>
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
      await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.receipt }))
    },
    async setVisibility(message, seconds) {
      await client.send(
        new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message.receipt, VisibilityTimeout: seconds }),
      )
    },
    close() {
      client.destroy()
    },
  }
}
