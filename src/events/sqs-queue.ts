/**
 * A queue read by long polling on SQS (`@aws-sdk/client-sqs`), as both readers use it: the
 * server's commands consumer (commands-consumer.ts) and the push worker's event loop
 * (src/notifier/worker.ts). ReceiveMessage asks for each message's ApproximateReceiveCount;
 * ChangeMessageVisibility hides a message in hand for longer (or shows a malformed one again
 * sooner); DeleteMessage by receipt handle once it took effect. The client is sqs-client.ts's
 * (region, credentials chain, `AWS_ENDPOINT_URL_SQS`). A long poll is aborted by the reader's stop.
 */
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs'

export interface QueueMessage {
  id: string
  receipt: string
  body: string
  /** ApproximateReceiveCount: how many times the queue has handed it out (1 the first time). */
  receiveCount: number
}

/** The queue as its readers need it (SQS below; tests may pass another). */
export interface PolledQueue {
  receive(opts: {
    max: number
    waitSeconds: number
    visibilitySeconds: number
    signal: AbortSignal
  }): Promise<QueueMessage[]>
  delete(message: QueueMessage): Promise<void>
  /** Hide the message for `seconds` from now (0: visible again at once). */
  setVisibility(message: QueueMessage, seconds: number): Promise<void>
  /** Release the client once the reader has stopped. */
  close?(): void
}

export interface SqsQueueOptions {
  queueUrl: string
  /** From `sqsClient` (sqs-client.ts); destroyed by `close`. */
  client: SQSClient
}

export function createSqsQueue(opts: SqsQueueOptions): PolledQueue & { close(): void } {
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
