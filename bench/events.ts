/**
 * What publishing events costs (issue 13): fan-out on one node with EVENTS_QUEUE_URL unset,
 * set to a standard queue, set to a FIFO queue (and a second server with events off, a
 * control), against the local SQS (test/support/sqs-endpoint.ts, in this process, answering
 * as SQS does, not counted). Four servers run side by side, one per mode, each `node
 * src/main.ts` with STORE=embedded, each with one room of N subscribers; short sending windows
 * at a fixed rate alternate between them (the order rotating each round), so the machine's
 * other load falls on all alike. Each server's CPU (from /proc, the whole measured run) is
 * divided by its deliveries.
 *
 * Then the publisher's throughput from one hot room: one server with events on (FIFO), one
 * sender past the usual rate limits for `--hot-seconds`; events/s the queue accepted, against
 * messages/s stored.
 *
 * `npm run bench:events -- [--subscribers=N] [--rooms=N] [--rate=R] [--seconds=S] [--rounds=N] [--blocks=N]
 *   [--hot-rate=R] [--hot-seconds=S] [--cpu-prof[=dir]] [--save=<name>]` (about 4 minutes); writes bench/results/events.json (and
 * bench/results/runs/<name>.json with --save).
 */
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { startSqsEndpoint } from '../test/support/sqs-endpoint.ts'
import { saveName } from './lib/args.ts'
import { eventsTable, type EventsResult } from './lib/events-report.ts'
import { freePort } from './lib/free-port.ts'
import { filesystemOf, refusal } from './lib/filesystem.ts'
import { log } from './lib/log.ts'
import { machineInfo } from './lib/machine.ts'
import { cpuMicros } from './lib/proc.ts'
import { latency, round } from './lib/stats.ts'
import { mintToken } from './lib/token.ts'
import { LoadPool } from './load/pool.ts'
import { untilQuiet } from './load/quiet.ts'
import { spawnServer } from './targets/spawn.ts'
import type { RunningServer } from './targets/types.ts'

type Mode = 'off' | 'standard' | 'control' | 'fifo'
const MODES: Mode[] = ['off', 'standard', 'control', 'fifo']

const args = new Map<string, string | undefined>(
  process.argv.slice(2).map((a): [string, string | undefined] => {
    const [key, value] = a.replace(/^--/, '').split('=', 2)
    return [key!, value]
  }),
)
const save = args.get('save') === undefined ? undefined : saveName(args.get('save')!)
const SUBSCRIBERS = Number(args.get('subscribers') ?? 200)
/** Rooms per server, the subscribers dealt over them (one sender each while rooms <= senders). */
const ROOMS = Math.max(1, Number(args.get('rooms') ?? 1))
/** Sends/s; each sender sends at most 4/s, under the default per-user limit of 5/s. */
const RATE = Number(args.get('rate') ?? 40)
const SENDERS = Math.ceil(RATE / 4)
const SECONDS = Number(args.get('seconds') ?? 5)
const ROUNDS = Number(args.get('rounds') ?? 2)
const BLOCKS = Number(args.get('blocks') ?? 3)
const WARMUP_MS = 3_000
/** Write each server's CPU profile (node --cpu-prof) under this directory, one folder a mode. */
const CPU_PROF = args.has('cpu-prof') ? args.get('cpu-prof') || 'bench/results/profiles/events' : undefined
const HOT_RATE = Number(args.get('hot-rate') ?? 2000)
const HOT_SECONDS = Number(args.get('hot-seconds') ?? 10)
/** One hot room's sender may send this fast (the limits are per user and per connection). */
const HOT_LIMITS = {
  LIMIT_SEND_BURST: '10000',
  LIMIT_SEND_PER_SECOND: '10000',
  LIMIT_USER_SEND_BURST: '10000',
  LIMIT_USER_SEND_PER_SECOND: '10000',
  LIMIT_USER_SEND_BYTES_BURST: '104857600',
  LIMIT_USER_SEND_BYTES_PER_SECOND: '104857600',
  LIMIT_FRAME_BURST: '100000',
  LIMIT_FRAMES_PER_SECOND: '100000',
}

const sqs = await startSqsEndpoint()
const queueOf: Record<Mode, string | undefined> = {
  off: undefined,
  control: undefined,
  standard: sqs.createQueue('bench-events'),
  fifo: sqs.createQueue('bench-events.fifo'),
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

interface Served {
  mode: Mode
  server: RunningServer
  pool: LoadPool
  dataDir: string
  sent: number
  delivered: number
  samplesMs: number[]
  errors: number
}

async function start(
  mode: Mode,
  env: Record<string, string> = {},
): Promise<{ server: RunningServer; dataDir: string }> {
  const dataDir = mkdtempSync(join(dataRoot, 'guildhall-'))
  const queue = queueOf[mode]
  const server = await spawnServer(
    {
      args: [
        ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(root, CPU_PROF, mode)}`] : []),
        join(root, 'src', 'main.ts'),
      ],
      cwd: root,
      env: {
        STORE: 'embedded',
        DATA_DIR: dataDir,
        ...(queue ? { EVENTS_QUEUE_URL: queue, AWS_ENDPOINT_URL_SQS: sqs.url } : {}),
        ...env,
      },
    },
    {
      host: '127.0.0.1',
      port: await freePort(),
      jwtSecret: secret,
      logFile: join(logDir, `events-${mode}.log`),
      dataDir: dataRoot,
    },
  )
  return { server, dataDir }
}

async function serve(mode: Mode): Promise<Served> {
  const { server, dataDir } = await start(mode)
  const pool = new LoadPool(2)
  const conn = await pool.connect(
    'plain',
    `ws://127.0.0.1:${server.port}`,
    tokens.map((token, i) => ({ room: ROOMS === 1 ? `events-${mode}` : `events-${mode}-${i % ROOMS}`, token })),
    100,
  )
  if (conn.opened < SUBSCRIBERS)
    throw new Error(`${mode}: only ${conn.opened}/${SUBSCRIBERS} subscribed: ${conn.firstError}`)
  await sleep(1_000)
  await pool.setRate(RATE, SENDERS)
  await sleep(WARMUP_MS)
  await pool.setRate(0, 0)
  await untilQuiet(pool)
  log(`${mode}: server pid ${server.pid}, ${SUBSCRIBERS} subscribed, warmed up`)
  return { mode, server, pool, dataDir, sent: 0, delivered: 0, samplesMs: [], errors: 0 }
}

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
  s.samplesMs.push(...snap.samplesMs)
  const exit = s.server.exitInfo()
  if (exit) throw new Error(`${s.mode}: server ${exit}`)
}

async function stop(s: { pool: LoadPool; server: RunningServer; dataDir: string }): Promise<void> {
  await Promise.race([s.pool.closeAll(), sleep(10_000)])
  await s.pool.destroy()
  await s.server.stop()
  rmSync(s.dataDir, { recursive: true, force: true })
}

/** One room, one sender at HOT_RATE: messages stored vs events the queue accepted, per second. */
async function hotRoom() {
  const { server, dataDir } = await start('fifo', HOT_LIMITS)
  const pool = new LoadPool(1)
  const served = { server, pool, dataDir }
  try {
    const token = await mintToken(secret, 'hot')
    const conn = await pool.connect('plain', `ws://127.0.0.1:${server.port}`, [{ room: 'hot', token }], 1)
    if (conn.opened < 1) throw new Error(`hot: not connected: ${conn.firstError}`)
    const before = sqs.sent('bench-events.fifo').length
    const callsBefore = batchCalls('bench-events.fifo')
    await pool.snapshot()
    const t0 = Date.now()
    await pool.setRate(HOT_RATE, 1)
    await sleep(HOT_SECONDS * 1000)
    await pool.setRate(0, 0)
    const sendingMs = Date.now() - t0
    const atStop = sqs.sent('bench-events.fifo').length - before
    const snap = await untilQuiet(pool)
    // Then until every stored message's event is on the queue.
    const deadline = Date.now() + 60_000
    while (sqs.sent('bench-events.fifo').length - before < snap.acks && Date.now() < deadline) await sleep(100)
    const drainedMs = Date.now() - t0
    const events = sqs.sent('bench-events.fifo').length - before
    return {
      rateAsked: HOT_RATE,
      seconds: HOT_SECONDS,
      acked: snap.acks,
      storedPerSecond: Math.round(snap.acks / (sendingMs / 1000)),
      eventsAtStop: atStop,
      eventsPerSecondWhileSending: Math.round(atStop / (sendingMs / 1000)),
      events,
      eventsPerSecondUntilCaughtUp: Math.round(events / (drainedMs / 1000)),
      caughtUpAfterMs: drainedMs - sendingMs,
      batchCalls: batchCalls('bench-events.fifo') - callsBefore,
    }
  } finally {
    await stop(served)
  }
}

const machine = machineInfo()
const git = (...a: string[]) => execFileSync('git', a, { cwd: root }).toString().trim()
const source = {
  commit: git('rev-parse', '--short', 'HEAD'),
  uncommitted: git('status', '--porcelain', '--', 'src', 'actors').split('\n').filter(Boolean),
}
const started = Date.now()
log(
  `events: ${SUBSCRIBERS} subscribers in ${ROOMS} room(s), ${RATE} sends/s over ${SENDERS} senders, ${BLOCKS} blocks of ${ROUNDS} rounds of ${SECONDS} s windows, ${MODES.join(', ')} alternating; then one hot room at ${HOT_RATE}/s for ${HOT_SECONDS} s`,
)
const served: Served[] = []
const blockFigures: Record<Mode, { cpuUs: number; delivered: number }>[] = []
try {
  for (const mode of MODES) served.push(await serve(mode))
  const cpuNow = () => served.map((s) => cpuMicros(s.server.pid))
  let cpu0 = cpuNow()
  for (let b = 0; b < BLOCKS; b++) {
    const delivered0 = served.map((s) => s.delivered)
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < served.length; k++) await window(served[(k + b * ROUNDS + r) % served.length]!)
    }
    const cpu1 = cpuNow()
    blockFigures.push(
      Object.fromEntries(
        served.map((s, i) => [
          s.mode,
          { cpuUs: Math.round(cpu1[i]! - cpu0[i]!), delivered: s.delivered - delivered0[i]! },
        ]),
      ) as Record<Mode, { cpuUs: number; delivered: number }>,
    )
    log(`block ${b + 1}/${BLOCKS}: ${JSON.stringify(blockFigures.at(-1))}`)
    cpu0 = cpu1
  }
} finally {
  await Promise.all(served.map(stop))
}
const batchCalls = (queue: string) =>
  sqs.calls.filter((c) => c.queue === queue && c.action === 'SendMessageBatch').length
const published = {
  standard: sqs.sent('bench-events').length,
  fifo: sqs.sent('bench-events.fifo').length,
  calls: { standard: batchCalls('bench-events'), fifo: batchCalls('bench-events.fifo') },
}
log('hot room...')
const hot = await hotRoom()
await sqs.close()

const perDelivery = (f: { cpuUs: number; delivered: number }) => f.cpuUs / Math.max(1, f.delivered)
const sides = Object.fromEntries(
  served.map((s) => {
    const cpuUs = blockFigures.reduce((a, f) => a + f[s.mode].cpuUs, 0)
    const lat = latency(s.samplesMs)
    return [
      s.mode,
      {
        cpuUsPerDelivery: round(cpuUs / Math.max(1, s.delivered)),
        cpuUs,
        sent: s.sent,
        delivered: s.delivered,
        deliveredRatio: round(s.delivered / Math.max(1, (s.sent * SUBSCRIBERS) / ROOMS), 4),
        p50Ms: lat.p50Ms,
        p99Ms: lat.p99Ms,
        errors: s.errors,
      },
    ]
  }),
)
const ratio = (m: Mode) => {
  const cpu = (x: Mode) => blockFigures.reduce((a, f) => a + f[x].cpuUs, 0)
  const del = (x: Mode) => blockFigures.reduce((a, f) => a + f[x].delivered, 0)
  return round(cpu(m) / Math.max(1, del(m)) / (cpu('off') / Math.max(1, del('off'))), 3)
}
const result = {
  benchmark: 'events',
  conditions: {
    machine,
    ...source,
    loadAverage1mAtEnd: Number(os.loadavg()[0]!.toFixed(2)),
    durationSec: Math.round((Date.now() - started) / 1000),
    server: `node src/main.ts, STORE=embedded (DATA_DIR on ${filesystemOf(dataRoot).type}), production limits; four servers side by side: events off, events on a standard queue, off again (control), on a FIFO queue`,
    load: `${ROOMS} room(s) per server, ${SUBSCRIBERS} subscribers dealt over them on /ws/rooms/:roomId, ${SENDERS} of them sending ${RATE} sends/s in all; windows of ${SECONDS} s (then until deliveries stop) alternate between the servers, the order rotating each round, after a ${WARMUP_MS / 1000} s warm-up each; bench/load/ with 2 worker threads per server on the same machine`,
    cpu: "each server's utime+stime from /proc over the whole measured run, divided by its deliveries",
    queue:
      'the local SQS (test/support/sqs-endpoint.ts) in the benchmark process, not counted: it answers as SQS does (MD5s, FIFO dedup), keeps every message',
  },
  subscribers: SUBSCRIBERS,
  rooms: ROOMS,
  rate: RATE,
  sides,
  ratios: { control: ratio('control'), standard: ratio('standard'), fifo: ratio('fifo') },
  blockRatios: Object.fromEntries(
    (['control', 'standard', 'fifo'] as Mode[]).map((m) => [
      m,
      blockFigures.map((f) => round(perDelivery(f[m]) / perDelivery(f.off), 3)),
    ]),
  ),
  published,
  target: 'CPU per delivery with events <= 1.1x off',
  hotRoom: hot,
  blockFigures,
}
console.log(JSON.stringify(result, null, 2))
console.log(`\n${eventsTable(result as unknown as EventsResult)}`)
await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(new URL('./results/events.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
if (save) {
  await mkdir(new URL('./results/runs/', import.meta.url), { recursive: true })
  await writeFile(new URL(`./results/runs/${save}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
  console.log(`saved as bench/results/runs/${save}.json`)
}
process.exit(0)
