// The push worker's environment: required queue, DynamoDB only, platforms off when their
// variables are unset (not an error), options by name with their ranges.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { loadNotifierConfig } from '../../src/notifier/config.ts'
import { notifierDefaults, notifierEnvName } from '../../src/notifier/options.ts'

const base = { EVENTS_QUEUE_URL: 'http://127.0.0.1:9324/000000000000/events', STORE: 'dynamodb' }

t.test('defaults: both platforms off and named, default options, no health listener', async (t) => {
  const c = loadNotifierConfig(base)
  t.same(c.fcm, { missing: ['FCM_PROJECT_ID', 'GOOGLE_APPLICATION_CREDENTIALS'] })
  t.same(c.vapid, { missing: ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT'] })
  t.same(c.options, notifierDefaults)
  t.same(c.dynamodb, { region: 'us-east-1', coreTable: 'gg_core', guildTable: 'gg_guild', createTables: false })
  t.equal(c.healthPort, undefined)
})

t.test('every variable is read', async (t) => {
  const c = loadNotifierConfig({
    ...base,
    DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
    CORE_TABLE: 'c',
    GUILD_TABLE: 'g',
    AWS_REGION: 'eu-west-1',
    FCM_PROJECT_ID: 'my-app',
    GOOGLE_APPLICATION_CREDENTIALS: '/run/secrets/fcm.json',
    FCM_ENDPOINT: 'http://127.0.0.1:9999',
    VAPID_PUBLIC_KEY: 'pub',
    VAPID_PRIVATE_KEY: 'priv',
    VAPID_SUBJECT: 'mailto:ops@example.com',
    PORT: '8787',
    NOTIFIER_MAX_CONCURRENT_PUSHES: '4',
    NOTIFIER_POLL_WAIT_SECONDS: '0',
  })
  t.same(c.fcm, { projectId: 'my-app', credentialsPath: '/run/secrets/fcm.json', endpoint: 'http://127.0.0.1:9999' })
  t.same(c.vapid, { publicKey: 'pub', privateKey: 'priv', subject: 'mailto:ops@example.com' })
  t.same(c.dynamodb, {
    endpoint: 'http://127.0.0.1:8000',
    region: 'eu-west-1',
    coreTable: 'c',
    guildTable: 'g',
    createTables: false,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  t.equal(c.healthPort, 8787)
  t.equal(c.options.maxConcurrentPushes, 4)
  t.equal(c.options.pollWaitSeconds, 0)
})

t.test('refusals name the variable', async (t) => {
  t.throws(() => loadNotifierConfig({ STORE: 'dynamodb' }), /EVENTS_QUEUE_URL/)
  t.throws(() => loadNotifierConfig({ ...base, STORE: undefined }), /STORE: the push worker needs STORE=dynamodb/)
  t.throws(() => loadNotifierConfig({ ...base, NOTIFIER_MAX_CONCURRENT_PUSHES: '0' }), /NOTIFIER_MAX_CONCURRENT_PUSHES/)
  t.throws(() => loadNotifierConfig({ ...base, NOTIFIER_RECEIVE_BATCH_SIZE: '11' }), /from 1 to 10/)
  t.throws(() => loadNotifierConfig({ ...base, NOTIFIER_TYPO: '1' }), /NOTIFIER_TYPO: not a known notifier option/)
  t.throws(() => loadNotifierConfig({ ...base, VAPID_SUBJECT: 'ops@example.com' }), /VAPID_SUBJECT/)
})

t.test('option names', async (t) => {
  t.equal(notifierEnvName('pushTimeoutMs'), 'NOTIFIER_PUSH_TIMEOUT_MS')
})

t.test(
  'every notifier limit is documented with its default (docs/operations.md, docs/events.md, README)',
  async (t) => {
    const operations = readFileSync('docs/operations.md', 'utf8').split('\n')
    const events = readFileSync('docs/events.md', 'utf8').split('\n')
    const readme = readFileSync('README.md', 'utf8').split('\n')
    for (const key of Object.keys(notifierDefaults) as (keyof typeof notifierDefaults)[]) {
      const env = notifierEnvName(key)
      const value = String(notifierDefaults[key])
      const row = (lines: string[], start: string) => lines.find((line) => line.startsWith(start))
      t.match(row(operations, `| \`${key}\` |`), `| \`${env}\` | ${value} |`, `${key} in docs/operations.md`)
      t.match(row(events, `| \`${key}\` |`), `| \`${env}\` | ${value} |`, `${key} in docs/events.md`)
      t.match(row(readme, `| \`${env}\` |`), `| ${value} |`, `${env} in the README`)
    }
  },
)
