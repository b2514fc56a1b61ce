import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { commandsDefaults } from './events/commands-options.ts'
import { defaultLimits, limitMaxima, type Limits } from '../actors/limits.ts'
import { ConfigError, limitEnvName, loadConfig } from './config.ts'
import { deriveClusterSecret } from './cluster/secret.ts'

const secret = 'a-test-secret-of-at-least-32-bytes!'

t.test('defaults (README "Configuration")', async (t) => {
  t.same(loadConfig({}), {
    port: 8787,
    host: '0.0.0.0',
    jwtSecret: undefined,
    jwksUrl: undefined,
    jwtIssuer: undefined,
    jwtAudience: undefined,
    store: 'embedded',
    dataDir: './.data',
    dynamodb: undefined,
    autoCreateRooms: true,
    limits: {},
    corsOrigins: undefined,
    cluster: undefined,
    ui: true,
  })
})

t.test('every variable is read', async (t) => {
  const c = loadConfig({
    PORT: '9000',
    HOST: '127.0.0.1',
    JWT_SECRET: secret,
    JWKS_URL: 'https://id.example/.well-known/jwks.json',
    JWT_ISSUER: 'https://id.example',
    JWT_AUDIENCE: 'chat, admin',
    STORE: 'dynamodb',
    DATA_DIR: '/var/lib/gg',
    DYNAMODB_ENDPOINT: 'http://localhost:8000',
    CORE_TABLE: 'c',
    GUILD_TABLE: 'g',
    AWS_REGION: 'eu-west-1',
    CREATE_TABLES: 'true',
    AUTO_CREATE_ROOMS: 'TRUE',
    UI: 'yes',
    MESSAGE_TTL_DAYS: '30',
    LIMIT_MAX_TEXT_LENGTH: '2000',
    LIMIT_PING_INTERVAL_MS: '1000',
    INTERNAL_PORT: '9100',
    ADVERTISE_HOST: '10.0.2.106',
    NODE_ID: 'task-1',
    CLUSTER_SECRET: 'c'.repeat(32),
    CLUSTER_HEARTBEAT_MS: '500',
    CLUSTER_LEASE_MS: '3000',
  })
  t.match(c, {
    port: 9000,
    host: '127.0.0.1',
    jwtSecret: secret,
    jwksUrl: 'https://id.example/.well-known/jwks.json',
    jwtIssuer: 'https://id.example',
    jwtAudience: ['chat', 'admin'],
    store: 'dynamodb',
    dataDir: '/var/lib/gg',
    autoCreateRooms: true,
    ui: true,
  })
  t.same(c.dynamodb, {
    endpoint: 'http://localhost:8000',
    region: 'eu-west-1',
    coreTable: 'c',
    guildTable: 'g',
    createTables: true,
    messageTtlDays: 30,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  })
  t.same(c.limits, { maxTextLength: 2000, pingIntervalMs: 1000 })
  t.same(c.cluster, {
    internalPort: 9100,
    advertiseHost: '10.0.2.106',
    nodeId: 'task-1',
    secret: 'c'.repeat(32),
    heartbeatMs: 500,
    leaseMs: 3000,
  })
})

t.test('AUTO_CREATE_ROOMS defaults to false in dynamodb mode', async (t) => {
  t.equal(loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret }).autoCreateRooms, false)
  t.equal(
    loadConfig({ STORE: 'dynamodb', JWKS_URL: 'https://id.example/jwks', CLUSTER_SECRET: secret }).autoCreateRooms,
    false,
  )
  t.equal(loadConfig({ AUTO_CREATE_ROOMS: 'false' }).autoCreateRooms, false)
})

t.test('UI (the page at GET /) defaults to true in embedded mode only', async (t) => {
  t.equal(loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret }).ui, false)
  t.equal(loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret, UI: 'true' }).ui, true)
  t.equal(loadConfig({ UI: 'false' }).ui, false)
})

t.test('dynamodb mode refuses to start without a way to verify tokens', async (t) => {
  t.throws(() => loadConfig({ STORE: 'dynamodb' }), { name: 'ConfigError', message: /JWT_SECRET.*JWKS_URL/ })
})

t.test('bad values are named', async (t) => {
  const bad = (env: Record<string, string>, re: RegExp) =>
    t.throws(() => loadConfig(env), ConfigError) && t.throws(() => loadConfig(env), { message: re })
  bad({ PORT: 'eighty' }, /PORT/)
  bad({ PORT: '70000' }, /PORT/)
  bad({ STORE: 'redis' }, /STORE/)
  bad({ STORE: 'dynamodb', JWT_SECRET: secret, CREATE_TABLES: 'maybe' }, /CREATE_TABLES/)
  bad({ JWKS_URL: 'not a url' }, /JWKS_URL/)
  bad({ STORE: 'dynamodb', JWT_SECRET: secret, MESSAGE_TTL_DAYS: '0' }, /MESSAGE_TTL_DAYS/)
  bad({ LIMIT_MAX_TEXT_LENGTH: '-1' }, /LIMIT_MAX_TEXT_LENGTH/)
  bad({ LIMIT_NO_SUCH_THING: '1' }, /LIMIT_NO_SUCH_THING: not a known limit/)
  bad({ PORT: 'x', STORE: 'y' }, /PORT[\s\S]*STORE/)
})

t.test('empty means unset', async (t) => {
  t.equal(loadConfig({ JWT_SECRET: '', PORT: '' }).jwtSecret, undefined)
  t.equal(loadConfig({ PORT: '' }).port, 8787)
})

t.test('limit variable names', async (t) => {
  t.equal(limitEnvName('maxFrameBytes'), 'LIMIT_MAX_FRAME_BYTES')
  t.equal(limitEnvName('peerTimeoutMs'), 'LIMIT_PEER_TIMEOUT_MS')
})

t.test(
  'a JWT_SECRET shorter than 32 bytes is refused (a short HS256 secret can be guessed from one token)',
  async (t) => {
    t.throws(() => loadConfig({ JWT_SECRET: 'x' }), {
      name: 'ConfigError',
      message: /JWT_SECRET: must be at least 32 bytes/,
    })
    t.throws(() => loadConfig({ JWT_SECRET: 'a'.repeat(31) }), { message: /JWT_SECRET/ })
    t.equal(loadConfig({ JWT_SECRET: 'a'.repeat(32) }).jwtSecret, 'a'.repeat(32))
    t.equal(loadConfig({ JWT_SECRET: 'é'.repeat(16) }).jwtSecret, 'é'.repeat(16), 'counted in UTF-8 bytes')
  },
)

t.test('settings only the DynamoDB store reads are refused in embedded mode, not ignored', async (t) => {
  for (const [name, value] of [
    ['MESSAGE_TTL_DAYS', '30'],
    ['CREATE_TABLES', 'true'],
    ['CREATE_TABLES', 'false'],
    ['DYNAMODB_ENDPOINT', 'http://127.0.0.1:8000'],
    ['CORE_TABLE', 'c'],
    ['GUILD_TABLE', 'g'],
    ['INTERNAL_PORT', '8788'],
    ['ADVERTISE_HOST', '10.0.0.1'],
    ['NODE_ID', 'n1'],
    ['CLUSTER_SECRET', secret],
    ['CLUSTER_HEARTBEAT_MS', '2000'],
    ['CLUSTER_LEASE_MS', '10000'],
  ] as const) {
    t.throws(
      () => loadConfig({ [name]: value }),
      { name: 'ConfigError', message: new RegExp(`${name}: only used with STORE=dynamodb`) },
      name,
    )
    t.doesNotThrow(
      () => loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret, [name]: value }),
      `${name} with STORE=dynamodb`,
    )
  }
})

t.test('absurd limits are refused, naming the variable', async (t) => {
  t.throws(() => loadConfig({ LIMIT_MAX_TEXT_LENGTH: '100000000000' }), {
    name: 'ConfigError',
    message: /LIMIT_MAX_TEXT_LENGTH/,
  })
  t.throws(() => loadConfig({ LIMIT_MAX_TEXT_LENGTH: '0' }), { message: /LIMIT_MAX_TEXT_LENGTH/ })
  for (const key of Object.keys(limitMaxima) as (keyof Limits)[]) {
    t.throws(
      () => loadConfig({ [limitEnvName(key)]: String(limitMaxima[key] + 1) }),
      { message: new RegExp(limitEnvName(key)) },
      key,
    )
    t.ok(limitMaxima[key] >= defaultLimits[key], `${key}: the default is in range`)
  }
})

t.test('limits that contradict each other are refused, naming both variables', async (t) => {
  const bad = (env: Record<string, string>, re: RegExp) =>
    t.throws(() => loadConfig(env), { name: 'ConfigError', message: re })
  bad({ LIMIT_SOFT_OUTBOUND_BYTES: '9000000' }, /LIMIT_SOFT_OUTBOUND_BYTES, LIMIT_HARD_OUTBOUND_BYTES/)
  bad(
    { LIMIT_HARD_OUTBOUND_BYTES: '1000' },
    /LIMIT_SOFT_OUTBOUND_BYTES, LIMIT_HARD_OUTBOUND_BYTES[\s\S]*LIMIT_READ_PAUSE_BYTES, LIMIT_HARD_OUTBOUND_BYTES/,
  )
  bad({ LIMIT_HISTORY_DEFAULT_LIMIT: '200' }, /LIMIT_HISTORY_DEFAULT_LIMIT, LIMIT_HISTORY_MAX_LIMIT/)
  bad({ LIMIT_PING_INTERVAL_MS: '80000' }, /LIMIT_PING_INTERVAL_MS, LIMIT_PEER_TIMEOUT_MS/)
  bad({ LIMIT_MAX_TEXT_LENGTH: '40000' }, /LIMIT_MAX_TEXT_LENGTH, LIMIT_MAX_FRAME_BYTES/)
  bad({ LIMIT_USER_SEND_BYTES_BURST: '100' }, /LIMIT_MAX_TEXT_LENGTH, LIMIT_USER_SEND_BYTES_BURST/)
  t.doesNotThrow(
    () => loadConfig({ LIMIT_HISTORY_DEFAULT_LIMIT: '200', LIMIT_HISTORY_MAX_LIMIT: '500' }),
    'fine once both move',
  )
  t.doesNotThrow(() => loadConfig({}), 'the defaults agree with each other')
})

t.test(
  'cluster settings (docs/cluster.md "Configuration"): defaults with STORE=dynamodb, none in embedded mode',
  async (t) => {
    t.equal(loadConfig({}).cluster, undefined, 'an embedded node is alone')
    t.same(loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret }).cluster, {
      internalPort: 8788,
      advertiseHost: undefined,
      nodeId: undefined,
      secret: deriveClusterSecret(secret),
      heartbeatMs: 2000,
      leaseMs: 10000,
    })
  },
)

t.test('CLUSTER_SECRET is derived from JWT_SECRET when unset, one-way and stable', async (t) => {
  const derived = loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret }).cluster!.secret
  t.match(derived, /^[0-9a-f]{64}$/)
  t.not(derived, secret)
  t.equal(
    derived,
    loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret }).cluster!.secret,
    'every node with the same JWT_SECRET derives the same',
  )
  t.not(derived, deriveClusterSecret(`${secret}x`))
  // HMAC-SHA256(JWT_SECRET, "guildhall cluster secret v1"), as docs/cluster.md says, so another implementation can derive it too.
  t.equal(
    deriveClusterSecret('a-test-secret-of-at-least-32-bytes!'),
    '314891b3dcb38bf3ae3bca79d8bee692acddf4812620c1a706dad556a385ade1',
  )
  t.equal(
    loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret, CLUSTER_SECRET: 'k'.repeat(40) }).cluster!.secret,
    'k'.repeat(40),
    'an explicit one wins',
  )
})

t.test('STORE=dynamodb refuses to start without a cluster secret (JWKS_URL alone needs CLUSTER_SECRET)', async (t) => {
  t.throws(() => loadConfig({ STORE: 'dynamodb', JWKS_URL: 'https://id.example/jwks' }), {
    name: 'ConfigError',
    message: /CLUSTER_SECRET/,
  })
  t.equal(
    loadConfig({ STORE: 'dynamodb', JWKS_URL: 'https://id.example/jwks', CLUSTER_SECRET: secret }).cluster!.secret,
    secret,
  )
  t.throws(() => loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret, CLUSTER_SECRET: 'short' }), {
    message: /CLUSTER_SECRET: must be at least 32 bytes/,
  })
})

t.test('bad cluster values are named', async (t) => {
  const base = { STORE: 'dynamodb', JWT_SECRET: secret }
  const bad = (env: Record<string, string>, re: RegExp) =>
    t.throws(() => loadConfig({ ...base, ...env }), { name: 'ConfigError', message: re }, JSON.stringify(env))
  bad({ NODE_ID: 'a b' }, /NODE_ID: expected 1\.\.64/)
  bad({ NODE_ID: 'n'.repeat(65) }, /NODE_ID/)
  bad({ NODE_ID: 'n/1' }, /NODE_ID/)
  bad({ INTERNAL_PORT: '70000' }, /INTERNAL_PORT/)
  bad({ ADVERTISE_HOST: 'evil.example/x?y' }, /ADVERTISE_HOST/)
  bad({ ADVERTISE_HOST: 'a b' }, /ADVERTISE_HOST/)
  bad({ CLUSTER_HEARTBEAT_MS: '0' }, /CLUSTER_HEARTBEAT_MS/)
  bad({ CLUSTER_LEASE_MS: 'soon' }, /CLUSTER_LEASE_MS/)
  bad({ PORT: '9000', INTERNAL_PORT: '9000' }, /PORT, INTERNAL_PORT: the node link needs its own port/)
  t.equal(loadConfig({ ...base, NODE_ID: 'n'.repeat(64) }).cluster!.nodeId, 'n'.repeat(64))
  t.equal(loadConfig({ ...base, NODE_ID: 'A-z_0.9' }).cluster!.nodeId, 'A-z_0.9')
  t.equal(loadConfig({ ...base, ADVERTISE_HOST: 'fd00::1' }).cluster!.advertiseHost, 'fd00::1')
  t.equal(
    loadConfig({ ...base, PORT: '0', INTERNAL_PORT: '0' }).cluster!.internalPort,
    0,
    'both picked at random (tests)',
  )
})

t.test('a lease shorter than two heartbeats is refused (one late renewal would count a live node dead)', async (t) => {
  const base = { STORE: 'dynamodb', JWT_SECRET: secret }
  t.throws(() => loadConfig({ ...base, CLUSTER_HEARTBEAT_MS: '6000' }), {
    message: /CLUSTER_HEARTBEAT_MS, CLUSTER_LEASE_MS: the lease must last at least two heartbeats/,
  })
  t.throws(() => loadConfig({ ...base, CLUSTER_HEARTBEAT_MS: '1000', CLUSTER_LEASE_MS: '1999' }), {
    message: /CLUSTER_LEASE_MS/,
  })
  t.equal(
    loadConfig({ ...base, CLUSTER_HEARTBEAT_MS: '1000', CLUSTER_LEASE_MS: '2000' }).cluster!.leaseMs,
    2000,
    'exactly two is enough',
  )
})

t.test('one boolean rule: the same value means the same for every boolean variable', async (t) => {
  const read = {
    CREATE_TABLES: (value: string) =>
      loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret, CREATE_TABLES: value }).dynamodb!.createTables,
    AUTO_CREATE_ROOMS: (value: string) => loadConfig({ AUTO_CREATE_ROOMS: value }).autoCreateRooms,
    UI: (value: string) => loadConfig({ UI: value }).ui,
  }
  for (const [name, get] of Object.entries(read)) {
    for (const value of ['true', 'TRUE', 'True', '1', 'yes', 'YES']) t.equal(get(value), true, `${name}=${value}`)
    for (const value of ['false', 'FALSE', '0', 'no', 'No']) t.equal(get(value), false, `${name}=${value}`)
    for (const value of ['maybe', 'on', '2', 'tru']) {
      t.throws(() => get(value), { name: 'ConfigError', message: new RegExp(`${name}: expected true or false`) })
    }
  }
})

t.test('the DynamoDB settings are read from the environment here only, with the store defaults', async (t) => {
  const c = loadConfig({ STORE: 'dynamodb', JWT_SECRET: secret })
  t.same(c.dynamodb, { region: 'us-east-1', coreTable: 'gg_core', guildTable: 'gg_guild', createTables: false })
  const names = ['DYNAMODB_ENDPOINT', 'AWS_REGION', 'CORE_TABLE', 'GUILD_TABLE', 'CREATE_TABLES', 'MESSAGE_TTL_DAYS']
  const readsOne = new RegExp(`\\b(?:${names.join('|')})\\b`)
  const readers = listTs('src').filter((file) => {
    if (file === 'src/config.ts' || file.endsWith('.test.ts')) return false
    // Code only: a comment may name a variable.
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')
    return /\benv\b/.test(code) && readsOne.test(code)
  })
  t.same(readers, [], 'no other module reads them from an environment')
})

function listTs(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(dir, file))
}

t.test('COMMANDS_QUEUE_URL and the COMMANDS_* options (docs/events.md "Commands")', async (t) => {
  t.equal(loadConfig({}).commands, undefined, 'no queue, no consumer')
  const url = 'https://sqs.eu-west-1.amazonaws.com/123456789012/commands'
  t.same(loadConfig({ COMMANDS_QUEUE_URL: url, AWS_REGION: 'eu-west-1' }).commands, {
    queueUrl: url,
    region: 'eu-west-1',
    options: commandsDefaults,
  })
  const set = loadConfig({
    COMMANDS_QUEUE_URL: url,
    COMMANDS_MAX_CONCURRENT: '3',
    COMMANDS_MALFORMED_RETRY_SECONDS: '0',
  }).commands
  t.match(set, { options: { maxConcurrent: 3, malformedRetrySeconds: 0 } })
  for (const [env, problem] of [
    [{ COMMANDS_QUEUE_URL: 'not a url' }, /COMMANDS_QUEUE_URL/],
    [
      { COMMANDS_QUEUE_URL: url, COMMANDS_MAX_CONCURRENT: '0' },
      /COMMANDS_MAX_CONCURRENT: expected a whole number from 1/,
    ],
    [{ COMMANDS_QUEUE_URL: url, COMMANDS_POLL_WAIT_SECONDS: '21' }, /COMMANDS_POLL_WAIT_SECONDS/],
    [{ COMMANDS_QUEUE_URL: url, COMMANDS_RECEIVE_BATCH_SIZE: 'ten' }, /COMMANDS_RECEIVE_BATCH_SIZE/],
    [{ COMMANDS_QUEUE_URL: url, COMMANDS_CONCURENCY: '3' }, /COMMANDS_CONCURENCY: not a known commands option/],
    [{ COMMANDS_MAX_CONCURRENT: '3' }, /COMMANDS_MAX_CONCURRENT: only used with COMMANDS_QUEUE_URL/],
    [
      { COMMANDS_QUEUE_URL: url, COMMANDS_POLL_ERROR_BACKOFF_MS: '5000', COMMANDS_POLL_ERROR_BACKOFF_MAX_MS: '1000' },
      /the first wait is over the longest/,
    ],
  ] as const) {
    t.throws(() => loadConfig(env), { name: 'ConfigError', message: problem }, JSON.stringify(env))
  }
})
