import t from 'tap'
import { ConfigError, limitEnvName, loadConfig } from './config.ts'

t.test('defaults (PROTOCOL.md section 1)', async (t) => {
  t.same(loadConfig({}), {
    port: 8787,
    host: '0.0.0.0',
    jwtSecret: undefined,
    jwksUrl: undefined,
    jwtIssuer: undefined,
    jwtAudience: undefined,
    store: 'embedded',
    dataDir: './.data',
    dynamodbEndpoint: undefined,
    coreTable: 'gg_core',
    guildTable: 'gg_guild',
    awsRegion: 'us-east-1',
    createTables: false,
    autoCreateRooms: true,
    messageTtlDays: undefined,
    limits: {},
  })
})

t.test('every variable is read', async (t) => {
  const c = loadConfig({
    PORT: '9000',
    HOST: '127.0.0.1',
    JWT_SECRET: 's3cret',
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
    MESSAGE_TTL_DAYS: '30',
    LIMIT_MAX_TEXT_LENGTH: '2000',
    LIMIT_PING_INTERVAL_MS: '1000',
  })
  t.match(c, {
    port: 9000,
    host: '127.0.0.1',
    jwtSecret: 's3cret',
    jwksUrl: 'https://id.example/.well-known/jwks.json',
    jwtIssuer: 'https://id.example',
    jwtAudience: ['chat', 'admin'],
    store: 'dynamodb',
    dataDir: '/var/lib/gg',
    dynamodbEndpoint: 'http://localhost:8000',
    coreTable: 'c',
    guildTable: 'g',
    awsRegion: 'eu-west-1',
    createTables: true,
    autoCreateRooms: true,
    messageTtlDays: 30,
  })
  t.same(c.limits, { maxTextLength: 2000, pingIntervalMs: 1000 })
})

t.test('AUTO_CREATE_ROOMS defaults to false in dynamodb mode', async (t) => {
  t.equal(loadConfig({ STORE: 'dynamodb', JWT_SECRET: 'x' }).autoCreateRooms, false)
  t.equal(loadConfig({ STORE: 'dynamodb', JWKS_URL: 'https://id.example/jwks' }).autoCreateRooms, false)
  t.equal(loadConfig({ AUTO_CREATE_ROOMS: 'false' }).autoCreateRooms, false)
})

t.test('dynamodb mode refuses to start without a way to verify tokens', async (t) => {
  t.throws(() => loadConfig({ STORE: 'dynamodb' }), { name: 'ConfigError', message: /JWT_SECRET.*JWKS_URL/ })
})

t.test('bad values are named', async (t) => {
  const bad = (env: Record<string, string>, re: RegExp) => t.throws(() => loadConfig(env), ConfigError) && t.throws(() => loadConfig(env), { message: re })
  bad({ PORT: 'eighty' }, /PORT/)
  bad({ PORT: '70000' }, /PORT/)
  bad({ STORE: 'redis' }, /STORE/)
  bad({ CREATE_TABLES: 'maybe' }, /CREATE_TABLES/)
  bad({ JWKS_URL: 'not a url' }, /JWKS_URL/)
  bad({ MESSAGE_TTL_DAYS: '0' }, /MESSAGE_TTL_DAYS/)
  bad({ LIMIT_MAX_TEXT_LENGTH: '-1' }, /LIMIT_MAX_TEXT_LENGTH/)
  bad({ LIMIT_NO_SUCH_THING: '1' }, /LIMIT_NO_SUCH_THING: not a known limit/)
  bad({ PORT: 'x', STORE: 'y' }, /PORT[^]*STORE/)
})

t.test('empty means unset', async (t) => {
  t.equal(loadConfig({ JWT_SECRET: '', PORT: '' }).jwtSecret, undefined)
  t.equal(loadConfig({ PORT: '' }).port, 8787)
})

t.test('limit variable names', async (t) => {
  t.equal(limitEnvName('maxFrameBytes'), 'LIMIT_MAX_FRAME_BYTES')
  t.equal(limitEnvName('peerTimeoutMs'), 'LIMIT_PEER_TIMEOUT_MS')
})
