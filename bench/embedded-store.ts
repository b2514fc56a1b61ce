/**
 * The embedded store at scale (issue 12, "The embedded store, bounded"): the store of this
 * tree (log + SQLite index) against the log store it replaced, which kept everything in
 * memory (the tree at `--baseline`, default 6ff23fb, extracted with `git archive`), same
 * machine, same run.
 *
 * 1. History: `--messages` (default 1,000,000) messages of 100 characters over `--rooms`
 *    (default 10,000) rooms, written as a log in the log store's format (frame.ts and
 *    records.ts are unchanged), then imported by this store (its first start on an old
 *    DATA_DIR, timed).
 * 2. Start-up: each store opened on that history in a fresh process (`--starts` times each,
 *    alternating): time to open, then heap (after a full GC) and RSS.
 * 3. Group commit throughput: `--writers` rooms each appending one message at a time, for
 *    `--seconds` per window, alternating the two stores, for `--rounds` rounds, fsync on, in
 *    `--data-dir` (default bench/.data; refused on tmpfs).
 *
 * `npm run bench:store -- [--data-dir=DIR] [--messages=N] [--rooms=N] [--starts=N] [--writers=N,M]
 * [--seconds=S] [--rounds=N] [--baseline=REV]`; writes bench/results/runs/<date>-embedded-store.json.
 */
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { join, resolve } from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { filesystemOf, refusal } from './lib/filesystem.ts'
import { log } from './lib/log.ts'
import { machineInfo } from './lib/machine.ts'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const args = new Map(
  process.argv.slice(2).map((a): [string, string] => {
    const [key, value] = a.replace(/^--/, '').split('=', 2)
    return [key!, value ?? '']
  }),
)
const num = (name: string, dflt: number) => Number(args.get(name) ?? dflt)

interface StoreLike {
  append(room: string, expectedSeq: number, batch: unknown[]): Promise<void>
  loadRoom(room: string, opts: { recentLimit: number; idempotencySince: number }): Promise<{ seq: number }>
  readPage(room: string, q: { before?: number; limit: number }): Promise<{ messages: unknown[] }>
  close(): Promise<void>
}
type Impl = 'log' | 'indexed'
const IMPLS: Impl[] = ['log', 'indexed']

type Opener = (dir: string) => Promise<StoreLike>

/** The store's module, loaded (and its TypeScript compiled) before anything is timed. */
async function loadImpl(impl: Impl, baselineDir: string): Promise<Opener> {
  const url = impl === 'log' ? join(baselineDir, 'src/store/embedded/index.ts') : '../src/store/embedded/index.ts'
  const { EmbeddedStore } = await import(url)
  return (dir) => EmbeddedStore.open({ dir })
}

async function openImpl(impl: Impl, dir: string, baselineDir: string): Promise<StoreLike> {
  return (await loadImpl(impl, baselineDir))(dir)
}

const TEXT = 'x'.repeat(100)
const T0 = 1_700_000_000_000
const message = (room: string, seq: number) => ({
  id: `m-${room}-${seq}`,
  seq,
  roomId: room,
  senderId: `user${seq % 50}`,
  text: TEXT,
  ts: T0 + seq * 10,
  clientId: `c${seq}`,
})

/** A child: open one store on `dir`, report start-up time, heap and RSS as one JSON line. */
async function child(): Promise<void> {
  const impl = args.get('impl') as Impl
  const open = await loadImpl(impl, args.get('baseline-dir')!)
  const t0 = performance.now()
  const store = await open(args.get('dir')!)
  const openMs = performance.now() - t0
  const room = `room${Math.floor(num('rooms', 1) / 2)}`
  const snap = await store.loadRoom(room, { recentLimit: 50, idempotencySince: T0 })
  const page = await store.readPage(room, { before: 20, limit: 10 })
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.()
  const mem = process.memoryUsage()
  console.log(
    JSON.stringify({
      impl,
      openMs,
      heapUsedMB: mem.heapUsed / 2 ** 20,
      rssMB: mem.rss / 2 ** 20,
      head: snap.seq,
      page: page.messages.length,
    }),
  )
  await store.close()
}

/** The history as the log store wrote it: one `append` record per room and chunk of 100. */
async function writeLog(file: string, messages: number, rooms: number): Promise<void> {
  const { encodeFrame, MAGIC } = await import('../src/store/embedded/frame.ts')
  const { encodeRecord } = await import('../src/store/embedded/records.ts')
  const fd = fs.openSync(file, 'w')
  fs.writeSync(fd, MAGIC)
  const perRoom = Math.ceil(messages / rooms)
  for (let from = 1; from <= perRoom; from += 100) {
    const parts: Uint8Array[] = []
    for (let r = 0; r < rooms; r++) {
      const room = `room${r}`
      const n = Math.min(100, perRoom - from + 1)
      const batch = Array.from({ length: n }, (_, i) => message(room, from + i))
      parts.push(encodeFrame(encodeRecord({ t: 'append', room, messages: batch })))
    }
    fs.writeSync(fd, Buffer.concat(parts))
  }
  fs.fsyncSync(fd)
  fs.closeSync(fd)
}

function runChild(impl: Impl, dir: string, baselineDir: string, rooms: number) {
  const out = execFileSync(
    join(root, 'node_modules/.bin/node'),
    [
      '--expose-gc',
      fileURLToPath(import.meta.url),
      '--child',
      `--impl=${impl}`,
      `--dir=${dir}`,
      `--baseline-dir=${baselineDir}`,
      `--rooms=${rooms}`,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  )
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number | string>
}

/** `writers` rooms appending one message at a time each for `seconds`: appends/s and commits. */
async function throughput(impl: Impl, dir: string, baselineDir: string, writers: number, seconds: number) {
  fs.rmSync(dir, { recursive: true, force: true })
  const store = await openImpl(impl, dir, baselineDir)
  let appends = 0
  const until = performance.now() + seconds * 1000
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const room = `w${w}`
      for (let seq = 1; performance.now() < until; seq++) {
        await store.append(room, seq - 1, [message(room, seq)])
        appends++
      }
    }),
  )
  const elapsed = (performance.now() - t0) / 1000
  await store.close()
  fs.rmSync(dir, { recursive: true, force: true })
  return appends / elapsed
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const r1 = (x: number) => Math.round(x * 10) / 10

async function main(): Promise<void> {
  const dataRoot = resolve(args.get('data-dir') ?? join(root, 'bench/.data'))
  fs.mkdirSync(dataRoot, { recursive: true })
  const refused = refusal(dataRoot)
  if (refused) throw new Error(refused)
  const messages = num('messages', 1_000_000)
  const rooms = num('rooms', 10_000)
  const starts = num('starts', 3)
  const writersList = (args.get('writers') ?? '1,100').split(',').map(Number)
  const seconds = num('seconds', 3)
  const rounds = num('rounds', 3)
  const baseline = args.get('baseline') ?? '6ff23fb'
  const work = fs.mkdtempSync(join(dataRoot, 'store-bench-'))
  try {
    const baselineDir = join(work, 'baseline')
    fs.mkdirSync(baselineDir)
    execFileSync('sh', ['-c', `git -C "${root}" archive ${baseline} src actors | tar -x -C "${baselineDir}"`])

    log(`writing ${messages} messages over ${rooms} rooms in the log format`)
    const logDir = join(work, 'log')
    fs.mkdirSync(logDir)
    await writeLog(join(logDir, 'guildhall.log'), messages, rooms)
    const logBytes = fs.statSync(join(logDir, 'guildhall.log')).size
    const sqliteDir = join(work, 'indexed')
    fs.mkdirSync(sqliteDir)
    fs.copyFileSync(join(logDir, 'guildhall.log'), join(sqliteDir, 'guildhall.log'))
    log('importing it into the indexed store')
    const t0 = performance.now()
    await (await openImpl('indexed', sqliteDir, baselineDir)).close()
    const importS = (performance.now() - t0) / 1000
    const dbBytes = fs.statSync(join(sqliteDir, 'guildhall.db')).size
    const logLeft = fs.readdirSync(sqliteDir).filter((f) => f.endsWith('.log'))

    const startRuns: Record<string, number | string>[] = []
    for (let i = 0; i < starts; i++) {
      for (const impl of IMPLS) {
        log(`start ${i + 1}/${starts}: ${impl}`)
        startRuns.push(runChild(impl, impl === 'log' ? logDir : sqliteDir, baselineDir, rooms))
      }
    }
    fs.rmSync(logDir, { recursive: true, force: true })
    fs.rmSync(sqliteDir, { recursive: true, force: true })

    const commitRuns: { impl: Impl; writers: number; appendsPerS: number }[] = []
    for (let round = 0; round < rounds; round++) {
      for (const writers of writersList) {
        const order = IMPLS.map((_, i) => IMPLS[(i + round) % IMPLS.length]!)
        for (const impl of order) {
          log(`round ${round + 1}/${rounds}: ${impl}, ${writers} writers`)
          const appendsPerS = await throughput(impl, join(work, 'tp'), baselineDir, writers, seconds)
          commitRuns.push({ impl, writers, appendsPerS })
        }
      }
    }

    const start = IMPLS.map((impl) => {
      const runs = startRuns.filter((r) => r.impl === impl)
      return {
        impl,
        openS: Math.round(median(runs.map((r) => Number(r.openMs))) / 10) / 100,
        heapUsedMB: r1(median(runs.map((r) => Number(r.heapUsedMB)))),
        rssMB: r1(median(runs.map((r) => Number(r.rssMB)))),
      }
    })
    const commits = writersList.flatMap((writers) =>
      IMPLS.map((impl) => {
        const xs = commitRuns.filter((r) => r.impl === impl && r.writers === writers).map((r) => r.appendsPerS)
        // Against the log store in the same round (the rounds interleave the two): the load of
        // the moment falls on both, so the ratio is steadier than either figure.
        const base = commitRuns.filter((r) => r.impl === 'log' && r.writers === writers).map((r) => r.appendsPerS)
        const vsLog = Math.round(median(xs.map((x, i) => x / base[i]!)) * 100) / 100
        return { impl, writers, appendsPerS: Math.round(median(xs)), vsLog, runs: xs.map(Math.round) }
      }),
    )
    const result = {
      when: new Date().toISOString(),
      conditions: {
        runtime: `Node ${process.versions.node}`,
        messages,
        rooms,
        text: '100 characters',
        dataDir: `${filesystemOf(dataRoot).type} (fsync on)`,
        baseline,
        loadavg: (await import('node:os')).loadavg().map(r1),
        machine: machineInfo(),
      },
      history: { logMB: r1(logBytes / 2 ** 20), dbMB: r1(dbBytes / 2 ** 20), importS: r1(importS), logLeft },
      start,
      startRuns,
      commits,
    }
    const out = join(root, `bench/results/runs/${result.when.slice(0, 10)}-embedded-store.json`)
    fs.mkdirSync(join(root, 'bench/results/runs'), { recursive: true })
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
    log(`written to ${out}`)
    console.log(JSON.stringify({ history: result.history, start, commits }, null, 2))
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

if (args.has('child')) await child()
else await main()
