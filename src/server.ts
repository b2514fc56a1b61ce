/**
 * Composition, shared by both entry points: config → store → ActorHost → Admin → app.
 * Runtime-neutral; the adapter supplies `upgradeWebSocket`. The DynamoDB store is imported
 * only when chosen, so the default run never loads the AWS SDK.
 */
import { Admin } from '../actors/admin.ts'
import { ActorHost } from '../actors/host.ts'
import { resolveLimits, type Limits } from '../actors/limits.ts'
import type { Logger } from '../actors/ports.ts'
import type { Store } from '../actors/store.ts'
import { mintDevTokens, randomSecret, type DevTokens } from './auth/dev.ts'
import { removeDevSecret, writeDevSecret } from './auth/dev-secret.ts'
import { createVerifier } from './auth/verify.ts'
import type { Config, Env } from './config.ts'
import { createApp, type Upgrade } from './http/app.ts'
import { Lifecycle } from './http/lifecycle.ts'

export interface GuildhallOptions {
  config: Config
  /** The raw environment, for settings the DynamoDB store reads itself (credentials). */
  env: Env
  logger: Logger
  upgradeWebSocket: Upgrade
  /** A ready store instead of the configured one (tests). */
  store?: Store
}

export interface Guildhall {
  app: ReturnType<typeof createApp>
  runtime: ActorHost
  store: Store
  lifecycle: Lifecycle
  limits: Limits
  /** Set in development mode (embedded, no JWT_SECRET/JWKS_URL): tokens to print. */
  dev?: DevTokens & { secret: string }
  /** `/ready` → 503, every socket closed with 1001, everything acknowledged stored, store closed. */
  drain(): Promise<void>
}

export async function createGuildhall(opts: GuildhallOptions): Promise<Guildhall> {
  const { config, logger } = opts
  const limits = resolveLimits(config.limits)
  const devMode = config.store === 'embedded' && !config.jwtSecret && !config.jwksUrl
  const secret = devMode ? randomSecret() : config.jwtSecret
  const auth = createVerifier({ secret, jwksUrl: config.jwksUrl, issuer: config.jwtIssuer, audience: config.jwtAudience })
  const store = opts.store ?? (await openStore(opts))
  const runtime = new ActorHost({ store, limits, logger, autoCreateRooms: config.autoCreateRooms })
  const admin = new Admin(runtime, store)
  const lifecycle = new Lifecycle()
  // Development answers pages of any origin (a local front end on another port); production, none unless listed.
  const allowedOrigins = config.corsOrigins ?? (devMode ? '*' : [])
  const app = createApp({ runtime, admin, auth, config: { limits }, allowedOrigins, logger, upgradeWebSocket: opts.upgradeWebSocket, lifecycle })
  const dev = devMode && secret ? { secret, ...(await mintDevTokens(secret)) } : undefined
  // For `npm run token` (dev-secret.ts); only when this process opened the data directory.
  if (dev && !opts.store) writeDevSecret(config.dataDir, dev.secret)

  let drained: Promise<void> | undefined
  const drain = () =>
    (drained ??= (async () => {
      lifecycle.startDraining()
      await runtime.drain()
      if (dev && !opts.store) removeDevSecret(config.dataDir)
      await store.close()
    })())
  return { app, runtime, store, lifecycle, limits, dev, drain }
}

async function openStore({ config, env, logger }: GuildhallOptions): Promise<Store> {
  if (config.store === 'dynamodb') {
    const { createDynamoStore } = await import('./store/dynamodb/index.ts')
    const overrides = {
      endpoint: config.dynamodbEndpoint,
      region: config.awsRegion,
      coreTable: config.coreTable,
      guildTable: config.guildTable,
      messageTtlDays: config.messageTtlDays,
      createTables: config.createTables,
    }
    return createDynamoStore(env, Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)))
  }
  const { openEmbeddedStore } = await import('./store/embedded/index.ts')
  try {
    return await openEmbeddedStore({ dir: config.dataDir, logger })
  } catch (err) {
    // Not creatable, not writable, held by another server: the operator fixes DATA_DIR.
    throw new Error(`DATA_DIR (${config.dataDir}): ${(err as Error).message}`, { cause: err })
  }
}
