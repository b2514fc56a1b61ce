/**
 * What tracing costs (issue 11): fan-out on one node with tracing off, on at 1% sampling and
 * on at 100% (and a second server with tracing off, as a control), exporting OTLP/HTTP (protobuf, the default) to a local receiver in this process
 * that accepts and discards. Four servers run side by side, one per mode, each
 * `node src/main.ts` in its own process with STORE=embedded (as
 * bench/targets/guildhall.ts starts it), each with one room of N subscribers (default 300).
 * Short sending windows at a fixed rate alternate between the four (the order rotates each
 * round), so the load other work puts on the machine falls on all of them alike. Each server's
 * CPU (from /proc) is counted over the whole run, idle moments and deferred exports included,
 * and divided by its deliveries.
 *
 * `npm run bench:tracing -- [--subscribers=N] [--rate=R] [--seconds=S] [--rounds=N] [--blocks=N] [--modes=off,sampled1]
 *   [--cpu-prof[=dir]] [--save=<name>]`;
 * writes bench/results/tracing.json (and bench/results/runs/<name>.json with --save).
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { saveName } from './lib/args.ts'
import { freePort } from './lib/free-port.ts'
import { filesystemOf, refusal } from './lib/filesystem.ts'
import { log } from './lib/log.ts'
import { machineInfo } from './lib/machine.ts'
import { cpuMicros } from './lib/proc.ts'
import { latency, round } from './lib/stats.ts'
import { mintToken } from './lib/token.ts'
import { tracingTable, type TracingMode, type TracingResult, type TracingSide } from './lib/tracing-report.ts'
import { LoadPool } from './load/pool.ts'
import { untilQuiet } from './load/quiet.ts'
import { spawnServer } from './targets/spawn.ts'
import type { RunningServer } from './targets/types.ts'

const args = new Map<string, string | undefined>(
  process.argv.slice(2).map((a): [string, string | undefined] => {
    const [key, value] = a.replace(/^--/, '').split('=', 2)
    return [key!, value]
  }),
)
const save = args.get('save') === undefined ? undefined : saveName(args.get('save')!)
const SUBSCRIBERS = Number(args.get('subscribers') ?? 300)
/** Sends/s; each sender sends at most 4/s, under the default per-user limit of 5/s. */
const RATE = Number(args.get('rate') ?? 40)
const SENDERS = Math.ceil(RATE / 4)
/** One sending window; every round has one per mode. */
const SECONDS = Number(args.get('seconds') ?? 5)
/** Rounds per block; blocks are read separately to show the spread. */
const ROUNDS = Number(args.get('rounds') ?? 3)
const BLOCKS = Number(args.get('blocks') ?? 3)
const WARMUP_MS = 3_000
/** Longer than the batch processor's delay (5 s): the last spans of a window are exported. */
const FLUSH_MS = 6_000
/** A second untraced server (control) shows how much two identical servers differ. */
const ALL_MODES: TracingMode[] = ['off', 'sampled1', 'control', 'sampled100']
/** `--modes=off,sampled1` runs only those (while investigating); `off` is always the reference. */
const MODES: TracingMode[] = args.get('modes')
  ? ALL_MODES.filter((m) => m === 'off' || args.get('modes')!.split(',').includes(m))
  : ALL_MODES
/** `--cpu-prof=<dir>`: each server runs under `node --cpu-prof`, its profile in <dir>/<mode>/ at exit. */
const CPU_PROF = args.has('cpu-prof') ? resolve(args.get('cpu-prof') || 'bench/results/profiles/tracing') : undefined

/** Tracing's variables per mode; everything else (batch delay 5 s, queue 2,048) at its default. */
function modeEnv(mode: TracingMode, endpoint: string): Record<string, string> {
  if (mode === 'off' || mode === 'control') return {}
  return {
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: mode === 'sampled1' ? '0.01' : '1',
  }
}

/** A collector that accepts every export and keeps nothing but counts. */
async function discardingReceiver() {
  const counts = { requests: 0, bytes: 0 }
  const server = createHttpServer((req, res) => {
    req.on('data', (c: Buffer) => (counts.bytes += c.length))
    req.on('end', () => {
      counts.requests++
      const json = (req.headers['content-type'] ?? '').includes('json')
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' })
      res.end(json ? '{}' : '')
    })
  })
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections()
        server.close(() => ok())
      }),
  }
}

const secret = randomBytes(32).toString('hex')
const tokens: string[] = []
for (let i = 0; i < SUBSCRIBERS; i++) tokens.push(await mintToken(secret, `u${i}`))
const root = fileURLToPath(new URL('../', import.meta.url))
const dataRoot = resolve(fileURLToPath(new URL('./.data/', import.meta.url)))
mkdirSync(dataRoot, { recursive: true })
const refused = refusal(dataRoot)
if (refused) {
  log(`refused: ${refused}`)
  process.exit(2)
}
const logDir = join(os.tmpdir(), 'guildhall-bench-logs')
mkdirSync(logDir, { recursive: true })

type Receiver = Awaited<ReturnType<typeof discardingReceiver>>

interface Served {
  mode: TracingMode
  server: RunningServer
  pool: LoadPool
  logFile: string
  dataDir: string
  /** Its own collector, so each mode's exports are counted apart. */
  rx: Receiver
  /** The collector's counts when measuring began; what it received while measuring. */
  rx0: { requests: number; bytes: number }
  exported: { requests: number; bytes: number }
  /** Sums over the measured windows. */
  sent: number
  delivered: number
  samplesMs: number[]
  errors: number
  firstError?: string
}

/** A server in `mode` with its room's subscribers connected, warmed up at the rate. */
async function serve(mode: TracingMode): Promise<Served> {
  const rx = await discardingReceiver()
  const dataDir = mkdtempSync(join(dataRoot, 'guildhall-'))
  const logFile = join(logDir, `tracing-${mode}.log`)
  const server = await spawnServer(
    {
      args: [
        ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF, mode)}`] : []),
        join(root, 'src', 'main.ts'),
      ],
      cwd: root,
      env: { STORE: 'embedded', DATA_DIR: dataDir, ...modeEnv(mode, rx.url) },
    },
    { host: '127.0.0.1', port: await freePort(), jwtSecret: secret, logFile, dataDir: dataRoot },
  )
  const pool = new LoadPool(2)
  const conn = await pool.connect(
    'plain',
    `ws://127.0.0.1:${server.port}`,
    tokens.map((token) => ({ room: `tracing-${mode}`, token })),
    100,
  )
  if (conn.opened < SUBSCRIBERS)
    throw new Error(`${mode}: only ${conn.opened}/${SUBSCRIBERS} subscribed: ${conn.firstError}`)
  await sleep(1_000) // presence of the joins settles
  // Warm-up at the rate (JIT, the store, the exporter's first batches), not measured.
  await pool.setRate(RATE, SENDERS)
  await sleep(WARMUP_MS)
  await pool.setRate(0, 0)
  await untilQuiet(pool)
  log(`${mode}: server pid ${server.pid}, ${SUBSCRIBERS} subscribed, warmed up`)
  return {
    mode,
    server,
    pool,
    logFile,
    dataDir,
    rx,
    rx0: { requests: 0, bytes: 0 },
    exported: { requests: 0, bytes: 0 },
    sent: 0,
    delivered: 0,
    samplesMs: [],
    errors: 0,
  }
}

/** One sending window on one server: RATE sends/s for SECONDS, then until deliveries stop. */
async function window(s: Served): Promise<void> {
  await s.pool.sampleEvery(Math.max(1, Math.floor((RATE * SUBSCRIBERS * SECONDS) / 2000)))
  await s.pool.snapshot()
  await s.pool.setRate(RATE, SENDERS)
  await sleep(SECONDS * 1000)
  await s.pool.setRate(0, 0)
  const snap = await untilQuiet(s.pool)
  s.sent += snap.sent
  s.delivered += snap.delivered
  s.errors += snap.errors
  s.firstError ??= snap.firstError
  s.samplesMs.push(...snap.samplesMs)
  const exit = s.server.exitInfo()
  if (exit) throw new Error(`${s.mode}: server ${exit}`)
}

async function stop(s: Served): Promise<void> {
  await Promise.race([s.pool.closeAll(), sleep(10_000)])
  await s.pool.destroy()
  await s.server.stop()
  await s.rx.close()
  rmSync(s.dataDir, { recursive: true, force: true })
}

const machine = machineInfo()
const git = (...a: string[]) => execFileSync('git', a, { cwd: root }).toString().trim()
/** The code measured: HEAD and what differed from it in the working tree when the run started. */
const source = {
  commit: git('rev-parse', '--short', 'HEAD'),
  uncommitted: git('status', '--porcelain', '--', 'src', 'actors', 'otel').split('\n').filter(Boolean),
}
const started = Date.now()
log(
  `tracing: ${SUBSCRIBERS} subscribers, ${RATE} sends/s over ${SENDERS} senders, ${BLOCKS} blocks of ${ROUNDS} rounds of ${SECONDS} s windows, ${MODES.join(', ')} alternating`,
)
const served: Served[] = []
/** Per block, per mode: CPU (µs) and deliveries. */
const blockFigures: Record<TracingMode, { cpuUs: number; delivered: number }>[] = []
try {
  for (const mode of MODES) served.push(await serve(mode))
  await sleep(FLUSH_MS) // the warm-ups' spans exported before counting starts
  for (const s of served) s.rx0 = { ...s.rx.counts }
  const cpuNow = () => served.map((s) => cpuMicros(s.server.pid))
  let cpu0 = cpuNow()
  for (let b = 0; b < BLOCKS; b++) {
    const delivered0 = served.map((s) => s.delivered)
    for (let r = 0; r < ROUNDS; r++) {
      // off, 1%, control, 100%; then 1%, control, 100%, off; ...: no mode always goes first or last.
      for (let k = 0; k < served.length; k++) await window(served[(k + b * ROUNDS + r) % served.length]!)
    }
    if (b === BLOCKS - 1) await sleep(FLUSH_MS)
    const cpu1 = cpuNow()
    if (b === BLOCKS - 1)
      for (const s of served)
        s.exported = { requests: s.rx.counts.requests - s.rx0.requests, bytes: s.rx.counts.bytes - s.rx0.bytes }
    blockFigures.push(
      Object.fromEntries(
        served.map((s, i) => [
          s.mode,
          { cpuUs: Math.round(cpu1[i]! - cpu0[i]!), delivered: s.delivered - delivered0[i]! },
        ]),
      ) as Record<TracingMode, { cpuUs: number; delivered: number }>,
    )
    log(`block ${b + 1}/${BLOCKS}: ${JSON.stringify(blockFigures.at(-1))}`)
    cpu0 = cpu1
  }
} finally {
  await Promise.all(served.map(stop))
}

const sides = Object.fromEntries(
  served.map((s): [TracingMode, TracingSide] => {
    const cpuUs = blockFigures.reduce((a, f) => a + f[s.mode].cpuUs, 0)
    const lat = latency(s.samplesMs)
    return [
      s.mode,
      {
        mode: s.mode,
        cpuUsPerDelivery: round(cpuUs / Math.max(1, s.delivered))!,
        cpuUs,
        delivered: s.delivered,
        deliveredRatio: round(s.delivered / Math.max(1, s.sent * SUBSCRIBERS), 4)!,
        ...(lat.p50Ms !== undefined ? { p50Ms: lat.p50Ms } : {}),
        ...(lat.p99Ms !== undefined ? { p99Ms: lat.p99Ms } : {}),
        exports: s.exported.requests,
        exportBytes: s.exported.bytes,
        spansDropped: readFileSync(s.logFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('"trace_spans_dropped"')).length,
      },
    ]
  }),
) as Record<TracingMode, TracingSide>
const perDelivery = (f: { cpuUs: number; delivered: number }) => f.cpuUs / Math.max(1, f.delivered)
const ratio = (m: TracingMode) => (sides[m] ? round(perDelivery(sides[m]) / perDelivery(sides.off), 3)! : NaN)
const blockRatio = (m: TracingMode) =>
  blockFigures.map((f) => (f[m] ? round(perDelivery(f[m]) / perDelivery(f.off), 3)! : NaN))
const result: TracingResult & Record<string, unknown> = {
  benchmark: 'tracing',
  conditions: {
    machine,
    ...source,
    loadAverage1mAtEnd: Number(os.loadavg()[0]!.toFixed(2)),
    durationSec: Math.round((Date.now() - started) / 1000),
    server: `node src/main.ts, STORE=embedded (DATA_DIR on ${filesystemOf(dataRoot).type}), production limits; four servers side by side, one per mode (two with tracing off)`,
    load: `one room per server, ${SUBSCRIBERS} subscribers on /ws/rooms/:roomId, ${SENDERS} of them sending ${RATE} sends/s in all; windows of ${SECONDS} s (then until deliveries stop) alternate between the servers, the order rotating each round, after a ${WARMUP_MS / 1000} s warm-up each; bench/load/ with 2 worker threads per server on the same machine`,
    cpu: `each server's utime+stime from /proc over the whole measured run (its idle time while the others send, and ${FLUSH_MS / 1000} s at the end for the last export, included), divided by its deliveries`,
    tracing:
      "OTEL_TRACES_EXPORTER=otlp, OTEL_EXPORTER_OTLP_PROTOCOL default (http/protobuf), OTEL_TRACES_SAMPLER=parentbased_traceidratio with OTEL_TRACES_SAMPLER_ARG 0.01 or 1, batch processor defaults; each traced server's receiver (in the benchmark's process, not counted) answers 200 and discards",
  },
  subscribers: SUBSCRIBERS,
  rate: RATE,
  seconds: SECONDS,
  windows: BLOCKS * ROUNDS,
  blocks: BLOCKS,
  sides,
  ratios: { control: ratio('control'), sampled1: ratio('sampled1'), sampled100: ratio('sampled100') },
  blockRatios: {
    control: blockRatio('control'),
    sampled1: blockRatio('sampled1'),
    sampled100: blockRatio('sampled100'),
  },
  targets: { sampled1: '<= 1.05x off', sampled100: 'reported' },
  blockFigures,
}
console.log(JSON.stringify(result, null, 2))
if (MODES.length === ALL_MODES.length) console.log(`\n${tracingTable(result)}`)
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(new URL('./results/tracing.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
if (save) {
  await mkdir(new URL('./results/runs/', import.meta.url), { recursive: true })
  await writeFile(new URL(`./results/runs/${save}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
  console.log(`saved as bench/results/runs/${save}.json`)
}
process.exit(0)
