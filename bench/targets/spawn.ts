/**
 * Starts a server in its own process group with output to a log file, waits for
 * `GET /health`, and stops it with SIGTERM then SIGKILL for the whole group.
 */
import { spawn } from 'node:child_process'
import { openSync, closeSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { RunningServer, StartOptions } from './types.ts'

export interface SpawnSpec {
  /** The executable; default: this Node. */
  command?: string
  args: string[]
  env: Record<string, string>
  cwd?: string
  readyTimeoutMs?: number
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-8).join('\n')
  } catch {
    return ''
  }
}

export async function spawnServer(spec: SpawnSpec, opts: StartOptions): Promise<RunningServer> {
  const fd = openSync(opts.logFile, 'w')
  const child = spawn(spec.command ?? process.execPath, spec.args, {
    cwd: spec.cwd ?? process.cwd(),
    env: { ...process.env, ...spec.env, PORT: String(opts.port), HOST: opts.host, JWT_SECRET: opts.jwtSecret },
    stdio: ['ignore', fd, fd],
    detached: true,
  })
  closeSync(fd)
  let exited: string | undefined
  const done = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = `exited with ${signal ?? code}: ${tail(opts.logFile)}`
      resolve()
    })
  })
  const pid = child.pid
  if (pid === undefined) throw new Error('spawn failed')

  const deadline = Date.now() + (spec.readyTimeoutMs ?? 30_000)
  for (;;) {
    if (exited) throw new Error(`server ${exited}`)
    try {
      const res = await fetch(`http://${opts.host}:${opts.port}/health`)
      if (res.ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      process.kill(-pid, 'SIGKILL')
      throw new Error(`server not ready in time: ${tail(opts.logFile)}`)
    }
    await sleep(100)
  }

  return {
    pid,
    host: opts.host,
    port: opts.port,
    exitInfo: () => exited,
    async stop() {
      if (exited) return
      try {
        process.kill(-pid, 'SIGTERM')
      } catch {
        return
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-pid, 'SIGKILL')
        } catch {
          // already gone
        }
      }, 5_000)
      await done
      clearTimeout(timer)
      // reap anything left in the group (workerd under the Miniflare launcher)
      try {
        process.kill(-pid, 'SIGKILL')
      } catch {
        // group empty
      }
    },
  }
}

/**
 * guildhall on its embedded store in a fresh DATA_DIR under the harness's data directory (on
 * disk: lib/filesystem.ts), removed when the server stops.
 */
export async function spawnEmbedded(prefix: string, spec: SpawnSpec, opts: StartOptions): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(opts.dataDir, prefix))
  const server = await spawnServer({ ...spec, env: { STORE: 'embedded', DATA_DIR: dataDir, ...spec.env } }, opts)
  return {
    ...server,
    async stop() {
      await server.stop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
