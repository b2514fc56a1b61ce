/**
 * Environment → typed configuration (README "Configuration"), validated with valibot.
 * Every variable, its meaning and default is listed in README.md "Configuration".
 * `loadConfig` throws a `ConfigError` naming each bad variable; the server then refuses to start.
 */
import * as v from 'valibot'
import { defaultLimits, limitMaxima, limitProblems, resolveLimits, type Limits } from '../actors/limits.ts'
import { deriveClusterSecret } from './cluster/secret.ts'
import { parseOrigins, type AllowedOrigins } from './http/cors.ts'
import { parseCommandsOptions, type CommandsOptions } from './events/commands-options.ts'
import { defaults as dynamoDefaults, localCredentials, type DynamoStoreOptions } from './store/dynamodb/config.ts'

export type StoreKind = 'embedded' | 'dynamodb'

export interface Config {
  port: number
  host: string
  jwtSecret?: string
  jwksUrl?: string
  jwtIssuer?: string
  /** One or more accepted audiences (`JWT_AUDIENCE` is comma-separated). */
  jwtAudience?: string[]
  store: StoreKind
  dataDir: string
  /**
   * With `STORE=dynamodb` only: the store's options (DYNAMODB_ENDPOINT, AWS_REGION, CORE_TABLE,
   * GUILD_TABLE, CREATE_TABLES, MESSAGE_TTL_DAYS), read here and nowhere else.
   */
  dynamodb?: DynamoSettings
  autoCreateRooms: boolean
  /** Overrides from `LIMIT_<NAME>` variables, e.g. `LIMIT_MAX_TEXT_LENGTH=2000`. */
  limits: Partial<Limits>
  /** `CORS_ORIGINS`; unset: any origin in development mode, none otherwise (src/server.ts). */
  corsOrigins?: AllowedOrigins
  /** With `STORE=dynamodb` only: this node as a cluster member (docs/cluster.md "Configuration"). */
  cluster?: ClusterConfig
  /** `EVENTS_QUEUE_URL` (and the region of its client, `AWS_REGION`): message.created on SQS (docs/events.md). */
  events?: { queueUrl: string; region: string }
  /** `UI`: serve the chat page at `GET /` (docs/page.md); on by default in embedded mode only. */
  ui: boolean
  /** `COMMANDS_QUEUE_URL` and the `COMMANDS_*` options: the commands consumer (docs/events.md "Commands"). */
  commands?: CommandsConfig
}

export interface CommandsConfig {
  queueUrl: string
  /** `AWS_REGION`. */
  region: string
  options: CommandsOptions
}

export interface DynamoSettings extends DynamoStoreOptions {
  region: string
  coreTable: string
  guildTable: string
  createTables: boolean
  /** Messages expire after this many days (store TTL attribute); unset keeps them forever. */
  messageTtlDays?: number
}

export interface ClusterConfig {
  /** `INTERNAL_PORT`: the node link's own port (0 picks a free one: tests). */
  internalPort: number
  /** `ADVERTISE_HOST`; unset: from ECS task metadata, else 127.0.0.1 (src/cluster/ecs-metadata.ts). */
  advertiseHost?: string
  /** `NODE_ID`; unset: the ECS task id, else a random id (src/cluster/ecs-metadata.ts). */
  nodeId?: string
  /** `CLUSTER_SECRET`, or one derived from `JWT_SECRET`. */
  secret: string
  heartbeatMs: number
  leaseMs: number
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export type Env = Record<string, string | undefined>

const text = v.pipe(v.string(), v.trim(), v.minLength(1))
/** The one boolean rule for every variable: true/1/yes or false/0/no, any case; anything else is refused. */
const bool = v.pipe(
  v.string(),
  v.toLowerCase(),
  v.picklist(['true', 'false', '1', '0', 'yes', 'no'], 'expected true or false'),
  v.transform((s) => s === 'true' || s === '1' || s === 'yes'),
)
const int = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d+$/, 'expected a whole number'),
    v.transform(Number),
    v.number(),
    v.minValue(min),
    v.maxValue(max),
  )
const url = v.pipe(v.string(), v.url('expected a URL'))
const origins = v.pipe(
  v.string(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    try {
      return parseOrigins(dataset.value)
    } catch (err) {
      addIssue({ message: (err as Error).message })
      return NEVER
    }
  }),
)

/** Shortest accepted `JWT_SECRET`, in UTF-8 bytes. */
export const MIN_SECRET_BYTES = 32

/** Variables only the DynamoDB store reads: set in embedded mode they would be silently ignored. */
const DYNAMODB_ONLY = [
  'MESSAGE_TTL_DAYS',
  'CREATE_TABLES',
  'DYNAMODB_ENDPOINT',
  'CORE_TABLE',
  'GUILD_TABLE',
  // A cluster is one per core table: an embedded node is alone.
  'INTERNAL_PORT',
  'ADVERTISE_HOST',
  'NODE_ID',
  'CLUSTER_SECRET',
  'CLUSTER_HEARTBEAT_MS',
  'CLUSTER_LEASE_MS',
] as const

/** Node ids as leases, logs and link handshakes carry them. */
export const NODE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/

// The DynamoDB store's variables: the server's schema and the push worker's
// (loadDynamoSettings) share them, so both read them the same way, here only.
const dynamoEntries = {
  DYNAMODB_ENDPOINT: v.optional(url),
  CORE_TABLE: v.optional(text, dynamoDefaults.coreTable),
  GUILD_TABLE: v.optional(text, dynamoDefaults.guildTable),
  AWS_REGION: v.optional(text, dynamoDefaults.region),
  CREATE_TABLES: v.optional(bool, 'false'),
}
const dynamoSchema = v.object({ ...dynamoEntries, MESSAGE_TTL_DAYS: v.optional(int(1, 36500)) })

const envSchema = v.object({
  PORT: v.optional(int(0, 65535), '8787'),
  HOST: v.optional(text, '0.0.0.0'),
  // HS256 with a short secret is guessable offline from any one token (RFC 7518 3.2: at least 256 bits).
  JWT_SECRET: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (s) => new TextEncoder().encode(s).length >= MIN_SECRET_BYTES,
        `must be at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -hex 32)`,
      ),
    ),
  ),
  JWKS_URL: v.optional(url),
  JWT_ISSUER: v.optional(text),
  JWT_AUDIENCE: v.optional(text),
  STORE: v.optional(v.picklist(['embedded', 'dynamodb'], 'expected embedded or dynamodb'), 'embedded'),
  DATA_DIR: v.optional(text, './.data'),
  ...dynamoEntries,
  AUTO_CREATE_ROOMS: v.optional(bool),
  UI: v.optional(bool),
  MESSAGE_TTL_DAYS: v.optional(int(1, 36500)),
  CORS_ORIGINS: v.optional(origins),
  INTERNAL_PORT: v.optional(int(0, 65535), '8788'),
  // A host name or an IP address (IPv6 without brackets); nothing that could bend the link's URL.
  ADVERTISE_HOST: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9._:-]{1,253}$/, 'expected a host name or IP address')),
  ),
  NODE_ID: v.optional(v.pipe(v.string(), v.regex(NODE_ID_PATTERN, 'expected 1..64 of A-Z a-z 0-9 _ . -'))),
  CLUSTER_SECRET: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (s) => new TextEncoder().encode(s).length >= MIN_SECRET_BYTES,
        `must be at least ${MIN_SECRET_BYTES} bytes (e.g. openssl rand -hex 32)`,
      ),
    ),
  ),
  CLUSTER_HEARTBEAT_MS: v.optional(int(10, 60_000), '2000'),
  CLUSTER_LEASE_MS: v.optional(int(20, 600_000), '10000'),
  EVENTS_QUEUE_URL: v.optional(url),
  COMMANDS_QUEUE_URL: v.optional(url),
})

export function loadConfig(env: Env): Config {
  // An empty variable (`JWT_SECRET=`) means unset, as in most twelve-factor servers.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  const result = v.safeParse(envSchema, present)
  const problems: string[] = []
  if (!result.success) {
    for (const issue of result.issues) problems.push(`${v.getDotPath(issue) ?? 'environment'}: ${issue.message}`)
  }
  const limits = parseLimits(present, problems)
  const commandsOptions = parseCommandsOptions(present, problems)
  if (present.COMMANDS_QUEUE_URL === undefined) {
    for (const name of Object.keys(present))
      if (name.startsWith('COMMANDS_'))
        problems.push(`${name}: only used with COMMANDS_QUEUE_URL; set it or unset this`)
  }
  if (result.success && result.output.STORE === 'embedded') {
    for (const name of DYNAMODB_ONLY) {
      if (present[name] !== undefined)
        problems.push(`${name}: only used with STORE=dynamodb; unset it for the embedded store`)
    }
  }
  if (result.success) problems.push(...clusterProblems(result.output))
  if (!result.success || problems.length > 0)
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`)
  const e = result.output
  if (e.STORE === 'dynamodb' && !e.JWT_SECRET && !e.JWKS_URL) {
    throw new ConfigError(
      'STORE=dynamodb needs JWT_SECRET (HS256) or JWKS_URL: without one no token could be verified. ' +
        'The random development secret is only generated in embedded mode.',
    )
  }
  if (e.STORE === 'dynamodb' && !e.CLUSTER_SECRET && !e.JWT_SECRET) {
    throw new ConfigError(
      'STORE=dynamodb needs CLUSTER_SECRET to authenticate the node-to-node link (or JWT_SECRET, from which it is ' +
        'derived when unset): with JWKS_URL alone, set CLUSTER_SECRET (e.g. openssl rand -hex 32), the same on every node.',
    )
  }
  return {
    port: e.PORT,
    host: e.HOST,
    jwtSecret: e.JWT_SECRET,
    jwksUrl: e.JWKS_URL,
    jwtIssuer: e.JWT_ISSUER,
    jwtAudience: e.JWT_AUDIENCE?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    store: e.STORE,
    dataDir: e.DATA_DIR,
    dynamodb: e.STORE === 'dynamodb' ? dynamoSettings(e, present.AWS_ACCESS_KEY_ID !== undefined) : undefined,
    autoCreateRooms: e.AUTO_CREATE_ROOMS ?? e.STORE === 'embedded',
    limits,
    corsOrigins: e.CORS_ORIGINS,
    ...(e.EVENTS_QUEUE_URL ? { events: { queueUrl: e.EVENTS_QUEUE_URL, region: e.AWS_REGION } } : {}),
    ui: e.UI ?? e.STORE === 'embedded',
    commands:
      e.COMMANDS_QUEUE_URL === undefined
        ? undefined
        : {
            queueUrl: e.COMMANDS_QUEUE_URL,
            region: e.AWS_REGION,
            options: commandsOptions,
          },
    cluster:
      e.STORE === 'dynamodb'
        ? {
            internalPort: e.INTERNAL_PORT,
            advertiseHost: e.ADVERTISE_HOST,
            nodeId: e.NODE_ID,
            secret: e.CLUSTER_SECRET ?? deriveClusterSecret(e.JWT_SECRET!),
            heartbeatMs: e.CLUSTER_HEARTBEAT_MS,
            leaseMs: e.CLUSTER_LEASE_MS,
          }
        : undefined,
  }
}

/**
 * The DynamoDB settings alone, for another entry point on the same tables (the push worker,
 * src/notifier/config.ts): the same variables, defaults and checks as the server's. Throws
 * ConfigError naming each bad variable.
 */
export function loadDynamoSettings(env: Env): DynamoSettings {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  const result = v.safeParse(dynamoSchema, present)
  if (!result.success) {
    const problems = result.issues.map((issue) => `${v.getDotPath(issue) ?? 'environment'}: ${issue.message}`)
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`)
  }
  return dynamoSettings(result.output, present.AWS_ACCESS_KEY_ID !== undefined)
}

function dynamoSettings(e: v.InferOutput<typeof dynamoSchema>, hasAccessKey: boolean): DynamoSettings {
  const credentials = localCredentials(e.DYNAMODB_ENDPOINT, hasAccessKey)
  return {
    ...(e.DYNAMODB_ENDPOINT === undefined ? {} : { endpoint: e.DYNAMODB_ENDPOINT }),
    region: e.AWS_REGION,
    coreTable: e.CORE_TABLE,
    guildTable: e.GUILD_TABLE,
    createTables: e.CREATE_TABLES,
    ...(e.MESSAGE_TTL_DAYS === undefined ? {} : { messageTtlDays: e.MESSAGE_TTL_DAYS }),
    ...(credentials ? { credentials } : {}),
  }
}

/** Cluster settings that contradict each other or the public port. */
function clusterProblems(e: v.InferOutput<typeof envSchema>): string[] {
  const problems: string[] = []
  // One late or lost renewal (a throttled write, a GC pause) must not make a live node look
  // dead to the others: the lease outlasts at least two heartbeats.
  if (e.CLUSTER_LEASE_MS < 2 * e.CLUSTER_HEARTBEAT_MS) {
    problems.push(
      'CLUSTER_HEARTBEAT_MS, CLUSTER_LEASE_MS: the lease must last at least two heartbeats, so one late renewal never counts a live node dead',
    )
  }
  // The public port never serves link traffic (docs/cluster.md "The link").
  if (e.STORE === 'dynamodb' && e.INTERNAL_PORT !== 0 && e.INTERNAL_PORT === e.PORT) {
    problems.push('PORT, INTERNAL_PORT: the node link needs its own port, never the public one')
  }
  return problems
}

/** `LIMIT_MAX_TEXT_LENGTH` → `maxTextLength`, for every key of `Limits`. */
export function limitEnvName(key: keyof Limits): string {
  return `LIMIT_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`
}

function parseLimits(env: Env, problems: string[]): Partial<Limits> {
  const limits: Partial<Limits> = {}
  const known = new Set<string>()
  for (const key of Object.keys(defaultLimits) as (keyof Limits)[]) {
    const name = limitEnvName(key)
    known.add(name)
    const raw = env[name]
    if (raw === undefined) continue
    const parsed = v.safeParse(int(1, limitMaxima[key]), raw)
    if (parsed.success) limits[key] = parsed.output
    else problems.push(`${name}: ${parsed.issues[0].message}`)
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith('LIMIT_') && !known.has(name)) problems.push(`${name}: not a known limit`)
  }
  // Ranges were checked above; what is left is limits that contradict each other.
  for (const problem of limitProblems(resolveLimits(limits))) {
    if (problem.keys.length > 1) problems.push(`${problem.keys.map(limitEnvName).join(', ')}: ${problem.message}`)
  }
  return limits
}
