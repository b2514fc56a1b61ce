/**
 * Servers for end-to-end tests, all reached the same way (a `Target`): in this process on the
 * Node adapter (port 0), or as a child process under Node or Deno (the drain, restart and Deno
 * runs). Scenarios take a `Target` and never care which it is.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { resolveLimits, type Limits } from '../../actors/limits.ts'
import type { Store } from '../../actors/store.ts'
import type { DeviceStore } from '../../src/notifier/ports.ts'
import { serveNode, upgradeWebSocket } from '../../src/adapters/node.ts'
import { loadConfig, type Env } from '../../src/config.ts'
import { createMemoryLogger } from './memory-logger.ts'
import { createGuildhall, type Guildhall } from '../../src/server.ts'
import { mint, testSecret, type TokenOptions } from './tokens.ts'

export interface Target {
  name: string
  /** `http://127.0.0.1:<port>` */
  http: string
  /** `ws://127.0.0.1:<port>` */
  ws: string
  limits: Limits
  /** A token signed with the server's secret. */
  token(opts?: TokenOptions): Promise<string>
  stop(): Promise<void>
}

/**
 * Small limits so expiry scenarios finish quickly; every scenario reads them from the target.
 * The per-user caps are raised: the scenarios share a few user names ("alice") across dozens
 * of rooms and connections in one run, which is not one user's behaviour; the caps have their
 * own tests (test/actors/quotas.test.ts, test/e2e/quotas.test.ts).
 */
export const e2eEnv: Env = {
  // Typing must outlast a join and a refresh (~50 ms, a few hundred under load) by a wide
  // margin, and the throttle must cover the whole typing scenario; the expiry scenario waits
  // the timeout once.
  LIMIT_TYPING_TIMEOUT_MS: '4000',
  LIMIT_TYPING_THROTTLE_MS: '60000',
  LIMIT_PING_INTERVAL_MS: '1000',
  LIMIT_PEER_TIMEOUT_MS: '3000',
  LIMIT_PRESENCE_GRACE_MS: '200',
  LIMIT_USER_SEND_BURST: '100000',
  LIMIT_USER_SEND_BYTES_BURST: '1073741824',
  LIMIT_MAX_CONNECTIONS_PER_USER: '10000',
  LIMIT_ROOM_CREATES_PER_MINUTE: '100000',
}

export function tempDir(prefix = 'guildhall-e2e-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export interface InProcess extends Target {
  gh: Guildhall
  logs: Record<string, unknown>[]
}

/** The server in this process on the Node adapter. Pass `store` to use e.g. a MemoryStore with faults. */
export async function startInProcess(
  opts: { env?: Env; store?: Store; devices?: DeviceStore } = {},
): Promise<InProcess> {
  const data = tempDir()
  const env: Env = { JWT_SECRET: testSecret, DATA_DIR: data.dir, PORT: '0', HOST: '127.0.0.1', ...e2eEnv, ...opts.env }
  const config = loadConfig(env)
  const logger = createMemoryLogger()
  const gh = await createGuildhall({ config, env, logger, upgradeWebSocket, store: opts.store, devices: opts.devices })
  const listening = await serveNode(gh.app, { port: 0, host: '127.0.0.1', limits: gh.limits, logger })
  const base = `127.0.0.1:${listening.port}`
  return {
    name: 'node (in process)',
    http: `http://${base}`,
    ws: `ws://${base}`,
    limits: gh.limits,
    gh,
    logs: logger.lines,
    token: (o) => mint({ secret: env.JWT_SECRET, ...o }),
    async stop() {
      listening.stopAccepting()
      await gh.drain()
      await listening.close(1_000)
      data.remove()
    },
  }
}

export interface Child extends Target {
  child: ChildProcess
  /** Every JSON line the process logged. */
  lines: Record<string, unknown>[]
  stderr: string[]
  exited: Promise<number | null>
  /** Resolves with the first log line (already seen or still to come) that matches. */
  logged(pred: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
  /** Resolves once stderr (so far or later) has a line matching `re`. */
  printed(re: RegExp): Promise<string>
  /** SIGTERM, then resolves with the exit code. */
  terminate(): Promise<number | null>
}

const root = new URL('../..', import.meta.url).pathname

/**
 * `npm run start:deno`'s command line, read from package.json and run the way npm runs it
 * (node_modules/.bin on the PATH) but without npm in between, which would not pass SIGTERM on.
 */
function startDenoCommand(): [string, string[]] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  // `exec` only makes the shell npm starts become the server; without npm there is no shell.
  const [cmd, ...args] = pkg.scripts['start:deno']!.replace(/^exec\s+/, '').split(/\s+/)
  return [cmd!, args]
}

/**
 * The server as a child process on a free port: `node src/main.ts`, or the
 * `start:deno` script's command. One process each, so signals reach the server itself.
 * Resolves once it listens.
 */
export async function startChild(opts: { runtime: 'node' | 'deno'; env?: Env; dataDir?: string }): Promise<Child> {
  const data = opts.dataDir ? undefined : tempDir()
  const env: Env = {
    ...process.env,
    JWT_SECRET: testSecret,
    DATA_DIR: opts.dataDir ?? data!.dir,
    PORT: '0',
    HOST: '127.0.0.1',
    ...e2eEnv,
    ...opts.env,
    PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
  }
  const [cmd, args] = opts.runtime === 'node' ? [process.execPath, ['src/main.ts']] : startDenoCommand()
  const child = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: Record<string, unknown>[] = []
  const stderr: string[] = []
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const stdoutLines = createInterface({ input: child.stdout! })
  const stderrLines = createInterface({ input: child.stderr! })
  stderrLines.on('line', (line) => stderr.push(line))
  stdoutLines.on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      // not a log line
    }
  })
  const logged = (pred: (line: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const seen = lines.find(pred)
      if (seen) return resolve(seen)
      const onLine = () => {
        const found = lines.find(pred)
        if (found) {
          stdoutLines.off('line', onLine)
          resolve(found)
        }
      }
      stdoutLines.on('line', onLine)
    })
  const printed = (re: RegExp) =>
    new Promise<string>((resolve) => {
      const seen = stderr.find((l) => re.test(l))
      if (seen) return resolve(seen)
      const onLine = (line: string) => {
        if (re.test(line)) {
          stderrLines.off('line', onLine)
          resolve(line)
        }
      }
      stderrLines.on('line', onLine)
    })
  const port = await new Promise<number>((resolve, reject) => {
    void logged((l) => l.event === 'listening').then((l) => resolve(l.port as number))
    void exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${stderr.join('\n')}`)))
  })
  const base = `127.0.0.1:${port}`
  const secret = env.JWT_SECRET
  const terminate = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    return exited
  }
  return {
    name: `${opts.runtime} (child process)`,
    http: `http://${base}`,
    ws: `ws://${base}`,
    limits: resolveLimits(loadConfig({ ...e2eEnv, ...opts.env, JWT_SECRET: testSecret }).limits),
    token: (o) => mint({ secret, ...o }),
    child,
    lines,
    stderr,
    exited,
    logged,
    printed,
    terminate,
    async stop() {
      await terminate()
      data?.remove()
    },
  }
}
