/**
 * The SQS client of the events publisher and the commands consumer. The SDK reads its own configuration: the region
 * (AWS_REGION), the credentials chain, and `AWS_ENDPOINT_URL_SQS`, the endpoint override tests
 * and VPC endpoints use. Against a local endpoint (loopback) without AWS_ACCESS_KEY_ID, dummy
 * credentials are given, as for DynamoDB Local: a local SQS checks no signature. With an
 * endpoint override the calls go there even for a queue URL of another host.
 */
import { SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs'
import { isLoopback } from '../store/dynamodb/config.ts'

/** `config`: more of the SDK's options (the publisher's `md5: false`). */
export function sqsClient(
  env: Record<string, string | undefined>,
  region: string,
  config: Partial<SQSClientConfig> = {},
): SQSClient {
  const endpoint = env.AWS_ENDPOINT_URL_SQS || env.AWS_ENDPOINT_URL
  const local = endpoint !== undefined && !env.AWS_ACCESS_KEY_ID && isLoopback(endpoint)
  return new SQSClient({
    region,
    // The SDK's default sends each call to the queue URL's host; with an override set, the
    // override is where the calls go (a VPC endpoint, a local SQS).
    ...(endpoint ? { endpoint, useQueueUrlAsEndpoint: false } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    ...config,
  })
}
