import t from 'tap'
import { isLoopback, localCredentials } from './config.ts'

t.test('fake credentials only for an endpoint on this machine (DynamoDB Local)', async (t) => {
  for (const endpoint of [
    'http://localhost:8000',
    'http://127.0.0.1:8000',
    'http://127.1.2.3:8000',
    'http://[::1]:8000',
    'http://LOCALHOST',
  ]) {
    t.same(localCredentials(endpoint, false), { accessKeyId: 'local', secretAccessKey: 'local' }, endpoint)
  }
  for (const endpoint of [
    'https://vpce-0abc-def.dynamodb.us-east-1.vpce.amazonaws.com',
    'https://dynamodb.eu-west-1.amazonaws.com',
    'http://10.0.0.5:8000',
    'http://127.0.0.1.example.com',
    'http://localhost.example.com',
  ]) {
    t.equal(localCredentials(endpoint, false), undefined, `${endpoint}: the default chain (task role)`)
  }
  t.equal(localCredentials(undefined, false), undefined, 'no endpoint: the default chain')
  t.equal(
    localCredentials('http://127.0.0.1:8000', true),
    undefined,
    'credentials of its own are left to the default chain',
  )
  t.notOk(isLoopback('not a url'))
})
