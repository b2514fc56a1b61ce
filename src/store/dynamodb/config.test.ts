import t from 'tap'
import { isLoopback, optionsFromEnv } from './config.ts'

t.test('fake credentials only for an endpoint on this machine (DynamoDB Local)', async (t) => {
  for (const endpoint of [
    'http://localhost:8000',
    'http://127.0.0.1:8000',
    'http://127.1.2.3:8000',
    'http://[::1]:8000',
    'http://LOCALHOST',
  ]) {
    t.same(
      optionsFromEnv({ DYNAMODB_ENDPOINT: endpoint }).credentials,
      { accessKeyId: 'local', secretAccessKey: 'local' },
      endpoint,
    )
  }
  for (const endpoint of [
    'https://vpce-0abc-def.dynamodb.us-east-1.vpce.amazonaws.com',
    'https://dynamodb.eu-west-1.amazonaws.com',
    'http://10.0.0.5:8000',
    'http://127.0.0.1.example.com',
    'http://localhost.example.com',
  ]) {
    t.equal(
      optionsFromEnv({ DYNAMODB_ENDPOINT: endpoint }).credentials,
      undefined,
      `${endpoint}: the default chain (task role)`,
    )
  }
  t.equal(optionsFromEnv({}).credentials, undefined, 'no endpoint: the default chain')
  t.equal(
    optionsFromEnv({ DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', AWS_ACCESS_KEY_ID: 'AKIA' }).credentials,
    undefined,
    'credentials of its own are left to the default chain',
  )
  t.notOk(isLoopback('not a url'))
})
