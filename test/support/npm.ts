/**
 * Run a package.json script the way a user does, `npm run <script>`, in its own process group
 * (like a terminal's job), and watch its output: for the tests of what `npm start` and the
 * other scripts promise (signals reach the server, every process of the group ends).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import { createInterface } from 'node:readline'
import type { Env } from '../../src/config.ts'

const root = new URL('../..', import.meta.url).pathname

export interface NpmRun {
  child: ChildProcess
  /** The npm process's pid, which is also the process group id. */
  pgid: number
  stdout: string[]
  stderr: string[]
  /** JSON lines of stdout. */
  lines: Record<string, unknown>[]
  exited: Promise<number | null>
  /** Resolves with the first stdout/stderr line (so far or later) matching; rejects if npm exits first. */
  waitLine(re: RegExp): Promise<string>
  /** Resolves with the first JSON log line matching. */
  logged(pred: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
  /** Resolves once both output pipes closed: every process that held them is gone. */
  outputClosed: Promise<void>
  /** SIGKILL to the whole group (teardown). */
  kill(): void
}

export function npmRun(script: string, args: string[], env: Env): NpmRun {
  const child = spawn('npm', ['run', script, ...(args.length ? ['--', ...args] : [])], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  const stdout: string[] = []
  const stderr: string[] = []
  const lines: Record<string, unknown>[] = []
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const waiters = new Set<() => void>()
  const closed = (stream: NodeJS.ReadableStream, into: string[]) =>
    new Promise<void>((resolve) => {
      const rl = createInterface({ input: stream })
      rl.on('line', (line) => {
        into.push(line)
        if (into === stdout && line.startsWith('{')) {
          try {
            lines.push(JSON.parse(line) as Record<string, unknown>)
          } catch {
            // not a log line
          }
        }
        for (const w of waiters) w()
      })
      rl.once('close', resolve)
    })
  const outputClosed = Promise.all([closed(child.stdout!, stdout), closed(child.stderr!, stderr)]).then(() => {
    for (const w of waiters) w()
  })
  let done = false
  void outputClosed.then(() => (done = true))
  const until = <T>(find: () => T | undefined, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const found = find()
        if (found !== undefined) {
          waiters.delete(check)
          resolve(found)
        } else if (done) {
          waiters.delete(check)
          reject(new Error(`npm run ${script} ended without ${what}:\n${[...stdout, ...stderr].join('\n')}`))
        }
      }
      waiters.add(check)
      check()
    })
  return {
    child,
    pgid: child.pid!,
    stdout,
    stderr,
    lines,
    exited,
    outputClosed,
    waitLine: (re) => until(() => [...stdout, ...stderr].find((l) => re.test(l)), String(re)),
    logged: (pred) => until(() => lines.find(pred), 'the log line'),
    kill() {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {
        // already gone
      }
    },
  }
}

/** Live (not zombie) processes of a process group, from /proc. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = []
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // exited meanwhile
    }
    // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(pgrp) === pgid && state !== 'Z') members.push(Number(entry))
  }
  return members
}
