/**
 * The process lifecycle both entry points share: read the config, compose, listen, announce
 * (with dev tokens in development mode), and drain on SIGTERM/SIGINT (docs/operations.md
 * "Lifecycle"): `/ready` → 503, stop accepting, close sockets with 1001, store everything
 * acknowledged, close the store, exit 0. A second signal exits at once with 1, unless it is
 * the same signal within `REPEAT_SIGNAL_MS`: one Ctrl+C reaches the server twice under
 * `npm start` (the terminal signals the whole process group, and npm forwards it again).
 */
import { systemClock, type Clock } from '../actors/clock.ts'
import type { Logger } from '../actors/ports.ts'
import type { FetchApp, Listening, ServeOptions } from './adapters/listening.ts'
import { type Config, ConfigError, loadConfig, type Env } from './config.ts'
import type { Upgrade } from './http/app.ts'
import { createJsonLogger } from './log.ts'
import { createGuildhall, type Guildhall } from './server.ts'

export interface RuntimeHooks {
  runtime: 'node' | 'deno'
  env: Env
  upgradeWebSocket: Upgrade
  serve(app: FetchApp, opts: ServeOptions): Promise<Listening>
  onSignal(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void
  exit(code: number): never | void
  logger?: Logger
  /** For tests; the process clock by default. */
  clock?: Pick<Clock, 'now'>
}

/** A repeat of the first signal within this is the same Ctrl+C delivered twice, not a second one. */
export const REPEAT_SIGNAL_MS = 1_000

export async function run(runtimeHooks: RuntimeHooks): Promise<void> {
  const json = createJsonLogger()
  const logger = runtimeHooks.logger ?? json
  // Log lines are batched per event-loop turn: write what is pending before the process ends.
  const hooks: RuntimeHooks = {
    ...runtimeHooks,
    exit: (code) => {
      json.flush()
      runtimeHooks.exit(code)
    },
  }
  let config: Config
  try {
    config = loadConfig(hooks.env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    logger.error('config_invalid', { message: err.message })
    console.error(`guildhall: ${err.message}`)
    return void hooks.exit(1)
  }
  let gh: Guildhall
  let listening: Listening
  try {
    gh = await createGuildhall({ config, env: hooks.env, logger, upgradeWebSocket: hooks.upgradeWebSocket })
    listening = await hooks.serve(gh.app, { port: config.port, host: config.host, limits: gh.limits, logger })
  } catch (err) {
    logger.error('start_failed', { error: err })
    console.error(`guildhall: could not start: ${(err as Error).message}`)
    return void hooks.exit(1)
  }
  logger.info('listening', { runtime: hooks.runtime, host: config.host, port: listening.port, store: config.store })
  if (gh.dev) announceDev(logger, gh.dev, listening.port, config)

  const clock = hooks.clock ?? systemClock
  let first: { signal: string; at: number } | undefined
  const drain = async (signal: string) => {
    if (first) {
      if (signal === first.signal && clock.now() - first.at < REPEAT_SIGNAL_MS) return
      logger.warn('drain_aborted', { signal })
      return void hooks.exit(1)
    }
    first = { signal, at: clock.now() }
    logger.info('drain_start', { signal })
    try {
      gh.lifecycle.startDraining()
      listening.stopAccepting()
      await gh.drain()
      await listening.close()
      logger.info('drain_done', {})
      hooks.exit(0)
    } catch (err) {
      logger.error('drain_failed', { error: err })
      hooks.exit(1)
    }
  }
  hooks.onSignal('SIGTERM', () => void drain('SIGTERM'))
  hooks.onSignal('SIGINT', () => void drain('SIGINT'))
}

function announceDev(
  logger: Logger,
  dev: { token: string; adminToken: string },
  port: number,
  { dataDir, ui }: Pick<Config, 'dataDir' | 'ui'>,
): void {
  const wsUrl = `ws://localhost:${port}/ws/rooms/lobby?token=${dev.token}`
  // The chat page (UI=true) signs in with the token in its URL, then takes it out of the address bar.
  const pageUrl = ui ? `http://localhost:${port}/?token=${dev.token}` : undefined
  logger.info('dev_tokens', { token: dev.token, adminToken: dev.adminToken, wsUrl, ...(pageUrl && { pageUrl }) })
  console.error(
    [
      '',
      'guildhall is running in development mode: JWT_SECRET is unset, so a random secret was made.',
      'These tokens work until the process stops (user "dev-user", and "dev-admin" with the admin role):',
      '',
      `  token:       ${dev.token}`,
      `  admin token: ${dev.adminToken}`,
      '',
      ...(pageUrl
        ? ['  Chat in the browser (as dev-user):', '', `  ${pageUrl}`, '', '  or with any WebSocket client:', '']
        : []),
      `  npx wscat -c '${wsUrl}'`,
      '',
      'Tokens for other users, while this server runs (signed with its secret, kept in',
      `${dataDir}/dev-secret until it stops; run from this directory, with the same DATA_DIR):`,
      '',
      '  npm run -s token -- alice            # add --admin for the admin role, --ttl 1h for a lifetime',
      '',
      'Set JWT_SECRET (at least 32 bytes, e.g. openssl rand -hex 32) for tokens that outlive the process.',
      '',
    ].join('\n'),
  )
}
