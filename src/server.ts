/**
 * Composition, shared by both entry points: config → store → ActorHost → Admin → app.
 * Runtime-neutral; the adapter supplies `upgradeWebSocket`. The DynamoDB store is imported
 * only when chosen, so the default run never loads the AWS SDK; likewise OpenTelemetry's SDK
 * is loaded only when `OTEL_TRACES_EXPORTER` turns tracing on (otel/setup.ts).
 */
import { Admin } from '../actors/admin.ts'
import { systemClock } from '../actors/clock.ts'
import { ClusterNode } from '../actors/cluster/cluster-node.ts'
import type { LeaseStore } from '../actors/cluster/ports.ts'
import { ActorHost } from '../actors/host.ts'
import { resolveLimits, type Limits } from '../actors/limits.ts'
import type { Logger } from '../actors/ports.ts'
import type { Store } from '../actors/store.ts'
import type { EventPublisher } from '../actors/events.ts'
import { setupTracing, type Tracing } from '../otel/setup.ts'
import { metricsOff, setupMetrics, type MetricsSetup } from '../otel/metrics.ts'
import { mintDevTokens, randomSecret, type DevTokens } from './auth/dev.ts'
import { removeDevSecret, writeDevSecret } from './auth/dev-secret.ts'
import { createVerifier } from './auth/verify.ts'
import type { Config, Env } from './config.ts'
import { resolveNodeIdentity } from './cluster/ecs-metadata.ts'
import { signedLeases } from './cluster/signed-leases.ts'
import { createWsLinkTransport } from './cluster/ws-link.ts'
import { clusterInfo, singleNodeInfo, type ClusterInfo } from './http/cluster-info.ts'
import { createApp, type Upgrade } from './http/app.ts'
import { Lifecycle } from './http/lifecycle.ts'
import type { DeviceStore } from './notifier/ports.ts'
import { loadPageAssets } from './http/page-assets.ts'
import type { CommandsConsumer } from './events/commands-consumer.ts'

export interface GuildhallOptions {
  config: Config
  /** The raw environment, for what reads its own variables: OpenTelemetry (OTEL_*), ECS task metadata. */
  env: Env
  logger: Logger
  upgradeWebSocket: Upgrade
  /** A ready store instead of the configured one (tests). */
  store?: Store
  /** The device store with `store` (tests pass a MemoryDeviceStore with a MemoryStore); else the store itself. */
  devices?: DeviceStore
}

export interface Guildhall {
  app: ReturnType<typeof createApp>
  host: ActorHost
  store: Store
  lifecycle: Lifecycle
  limits: Limits
  /** With STORE=dynamodb: this node's membership of the cluster (docs/cluster.md). */
  cluster?: ClusterNode
  /** Spans (OTEL_* variables); `tracingOff` unless OTEL_TRACES_EXPORTER is set. */
  tracing: Tracing
  /** Counters and histograms (OTEL_METRICS_EXPORTER); off unless set. */
  metrics: MetricsSetup
  /** With COMMANDS_QUEUE_URL: the commands consumer (docs/events.md "Commands"), polling. */
  commands?: CommandsConsumer
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
  const auth = createVerifier({
    secret,
    jwksUrl: config.jwksUrl,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
  })
  // First, so a malformed OTEL_* variable stops the start before anything is opened.
  const tracing = await setupTracing(opts.env, { logger })
  const tracer = tracing.tracer
  let metrics: MetricsSetup = metricsOff
  // A start that fails after this leaves no tracing registered (one setup per process).
  const abort = async (err: unknown): Promise<never> => {
    await metrics.shutdown()
    await tracing.shutdown()
    throw err
  }
  // Its own server (prometheus) is bound here, before the store opens: a taken port stops the start.
  metrics = await setupMetrics(opts.env, { logger }).catch(abort)
  const store = opts.store ?? (await openStore(opts).catch(abort))
  const lifecycle = new Lifecycle()
  const cluster = await openCluster(opts, store, lifecycle, tracing).catch(abort)
  const events = await openEvents(opts)
  const host = new ActorHost({
    store,
    limits,
    logger,
    autoCreateRooms: config.autoCreateRooms,
    cluster,
    tracer,
    metrics: metrics.metrics,
    ...(events ? { events: events.publisher } : {}),
  })
  let info: ClusterInfo
  if (cluster) {
    // No lease, no membership: a node that cannot write its lease must not serve (it would
    // own rooms nobody else knows it owns).
    await cluster.start(host).catch(async (err: unknown) => {
      await cluster.close()
      return abort(err)
    })
    info = clusterInfo(cluster, store)
  } else {
    info = singleNodeInfo(config.cluster?.nodeId ?? 'local', '', () => host.activeRooms().length)
  }
  const admin = new Admin(host, store)
  // Both stores the server opens keep devices (embedded, DynamoDB); a store given by a test may not.
  const devices = opts.devices ?? (isDeviceStore(store) ? store : undefined)
  // Development answers pages of any origin (a local front end on another port); production, none unless listed.
  const allowedOrigins = config.corsOrigins ?? (devMode ? '*' : [])
  const app = createApp({
    host,
    admin,
    auth,
    config: { limits },
    allowedOrigins,
    logger,
    ...(devices && { devices }),
    upgradeWebSocket: opts.upgradeWebSocket,
    lifecycle,
    cluster: info,
    ...(config.ui && { page: loadPageAssets() }),
    ...(tracing.enabled && {
      tracing: {
        tracer: tracing.tracer,
        parentFrom: (headers: Headers) => tracing.parentFrom(headers),
        ...(cluster && { node: cluster.node }),
      },
    }),
  })
  const commands = await startCommands(opts, host, admin).catch(abort)
  const dev = devMode && secret ? { secret, ...(await mintDevTokens(secret)) } : undefined
  // For `npm run token` (dev-secret.ts); only when this process opened the data directory.
  if (dev && !opts.store) writeDevSecret(config.dataDir, dev.secret)

  let drained: Promise<void> | undefined
  const drain = () =>
    (drained ??= (async () => {
      lifecycle.startDraining()
      // No new command is taken; those in hand finish (or are left for redelivery) first.
      await commands?.stop()
      // Peers take this node out of placement now, so the rooms handed off below are entered
      // at their next owners at once (no lease has to expire).
      await cluster?.leave()
      await host.drain()
      await cluster?.close()
      // The rooms' last publishes ended with their drain (host.drain): nothing is sent after this.
      events?.close()
      if (dev && !opts.store) removeDevSecret(config.dataDir)
      await store.close()
      await metrics.shutdown()
      // Last: the spans of the drain itself are exported too (bounded: a dead collector does not hold the exit).
      await tracing.shutdown()
    })())
  return { app, host, store, lifecycle, limits, cluster, tracing, metrics, commands, dev, drain }
}

/**
 * With COMMANDS_QUEUE_URL: the consumer of other services' commands, on this node's host and
 * admin writes. The SQS client is imported only then, so the default run never loads it.
 */
async function startCommands(
  { config, env, logger }: GuildhallOptions,
  host: ActorHost,
  admin: Admin,
): Promise<CommandsConsumer | undefined> {
  const settings = config.commands
  if (!settings) return undefined
  const [{ CommandsConsumer }, { createSqsQueue }, { sqsClient }] = await Promise.all([
    import('./events/commands-consumer.ts'),
    import('./events/sqs-queue.ts'),
    import('./events/sqs-client.ts'),
  ])
  const queue = createSqsQueue({ queueUrl: settings.queueUrl, client: sqsClient(env, settings.region) })
  const consumer = new CommandsConsumer({
    queue,
    logger,
    options: settings.options,
    target: {
      authorizeOrCreate: (roomId, userId, intent) => host.authorizeOrCreate(roomId, userId, intent),
      post: (roomId, post) => host.post(roomId, post),
      deleteGuildMember: (guildId, userId) => admin.deleteGuildMember(guildId, userId),
    },
  })
  consumer.start()
  logger.info('commands_started', { queueUrl: settings.queueUrl })
  return consumer
}

/**
 * With STORE=dynamodb every node is a cluster member: its identity (NODE_ID/ADVERTISE_HOST or
 * ECS task metadata), the node link on INTERNAL_PORT, and leases in the core table.
 */
async function openCluster(
  { config, env, logger }: GuildhallOptions,
  store: Store,
  lifecycle: Lifecycle,
  tracing: Tracing,
): Promise<ClusterNode | undefined> {
  const settings = config.cluster
  if (config.store !== 'dynamodb' || !settings) return undefined
  const leases = (store as Partial<{ leases(): LeaseStore }>).leases?.()
  if (!leases) throw new Error('STORE=dynamodb: this store keeps no node leases')
  const { nodeId, advertiseHost } = await resolveNodeIdentity(settings, env, { logger })
  const transport = await createWsLinkTransport({
    node: nodeId,
    secret: settings.secret,
    host: config.host,
    port: settings.internalPort,
    logger,
    roomLimits: resolveLimits(config.limits),
  })
  return new ClusterNode({
    node: nodeId,
    address: `${advertiseHost}:${transport.port}`,
    // A node with another CLUSTER_SECRET could renew a lease but never link: it must not count.
    leases: signedLeases(leases, settings.secret, logger, (valid, foreign) => {
      // Most of the table proves another secret: this node is the misconfigured one. It
      // stays out of the load balancer rather than serve rooms it would fight over.
      if (foreign > valid) lifecycle.hold('cluster', `${foreign} nodes of this table prove another CLUSTER_SECRET`)
      else lifecycle.release('cluster')
    }),
    transport,
    clock: systemClock,
    // Leases are judged on a clock that never jumps (NTP steps move Date.now, not this).
    monotonic: () => performance.now(),
    logger,
    ...(tracing.enabled && { tracer: tracing.tracer }),
    heartbeatMs: settings.heartbeatMs,
    leaseMs: settings.leaseMs,
  })
}

/** With EVENTS_QUEUE_URL: the SQS publisher (the SDK is loaded only then). */
async function openEvents({
  config,
  env,
}: GuildhallOptions): Promise<{ publisher: EventPublisher; close(): void } | undefined> {
  if (!config.events) return undefined
  const { sqsClient } = await import('./events/sqs-client.ts')
  const { SqsEventPublisher } = await import('./events/publisher.ts')
  // No MD5 check of what SQS took: TLS already guards the bodies in transit, and the check was
  // about a tenth of each call's CPU (docs/benchmarks.md "Events").
  const client = sqsClient(env, config.events.region, { md5: false })
  return {
    publisher: new SqsEventPublisher({ client, queueUrl: config.events.queueUrl }),
    close: () => client.destroy(),
  }
}

async function openStore({ config, logger }: GuildhallOptions): Promise<Store> {
  if (config.dynamodb) {
    const { createDynamoStore } = await import('./store/dynamodb/index.ts')
    return createDynamoStore(config.dynamodb)
  }
  const { openEmbeddedStore } = await import('./store/embedded/index.ts')
  try {
    return await openEmbeddedStore({ dir: config.dataDir, logger })
  } catch (err) {
    // Not creatable, not writable, held by another server: the operator fixes DATA_DIR.
    throw new Error(`DATA_DIR (${config.dataDir}): ${(err as Error).message}`, { cause: err })
  }
}

function isDeviceStore(store: Store): store is Store & DeviceStore {
  const s = store as Partial<DeviceStore>
  return typeof s.putDevice === 'function' && typeof s.deleteDevice === 'function'
}
