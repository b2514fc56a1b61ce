/**
 * The benchmark harness: every scenario against every system, each on a fresh server
 * process, then bench/results/latest.json and latest.md. `npm run bench` (full) or
 * `npm run bench:quick` (under 3 minutes); `--only=<scenarios>` `--systems=<names>` (the Deno
 * targets run only when named there);
 * `--data-dir=<dir>` for guildhall's DATA_DIR (default bench/.data; tmpfs is refused).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { freePort } from './lib/free-port.ts'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from './lib/args.ts'
import { filesystemOf, refusal } from './lib/filesystem.ts'
import { log } from './lib/log.ts'
import { machineInfo } from './lib/machine.ts'
import { markdown } from './lib/report.ts'
import type { ScenarioResult } from './lib/report.ts'
import { mintToken } from './lib/token.ts'
import { LoadPool } from './load/pool.ts'
import type { ConnSpec } from './load/messages.ts'
import { namedOnlyTargets, targets } from './targets/index.ts'
import type { RunningServer, Target } from './targets/types.ts'
import { busy } from './scenarios/busy.ts'
import { connect } from './scenarios/connect.ts'
import { fanout } from './scenarios/fanout.ts'
import { memory } from './scenarios/memory.ts'
import { rooms } from './scenarios/rooms.ts'
import type { Scenario, SystemResult } from './scenarios/types.ts'

const opts = parseArgs(process.argv.slice(2))
/** The servers that load --diag's module (its SIGUSR2 handler): the Node ones started with our flags. */
const PROFILED = new Set(['guildhall', 'guildhall-baseline', 'ws', 'ws-same-flags'])
const secret = randomBytes(32).toString('hex')
const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
const logDir = join(tmpdir(), 'guildhall-bench-logs')
mkdirSync(logDir, { recursive: true })
const dataDir = resolve(opts.dataDir ?? fileURLToPath(new URL('./.data/', import.meta.url)))
mkdirSync(dataDir, { recursive: true })

const tokens: string[] = []
async function specs(count: number, room: (i: number) => string): Promise<ConnSpec[]> {
  while (tokens.length < count) tokens.push(await mintToken(secret, `u${tokens.length}`))
  return Array.from({ length: count }, (_, i) => ({ room: room(i), token: tokens[i] as string }))
}

async function runOne(scenario: Scenario, target: Target): Promise<SystemResult> {
  const missing = target.unavailable?.()
  if (missing) return { error: missing }
  const tag = `${scenario.name} ${target.name}`
  const logFile = join(logDir, `${target.name}-${scenario.name}.log`)
  let server: RunningServer
  try {
    const nodeArgs = [
      ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}/${target.name}-${scenario.name}`] : []),
      ...(opts.diag ? [`--import=${fileURLToPath(new URL('./lib/diagnostics.ts', import.meta.url))}`] : []),
    ]
    if (opts.windowProf) process.env.DIAG_PROF_DIR = resolve(opts.windowProf, `${target.name}-${scenario.name}`)
    server = await target.start({
      host: '127.0.0.1',
      port: await freePort(),
      jwtSecret: secret,
      logFile,
      nodeArgs,
      dataDir,
    })
  } catch (err) {
    log(`${tag}: failed to start: ${(err as Error).message}`)
    return { error: `start: ${(err as Error).message}` }
  }
  const pool = new LoadPool(opts.workers)
  try {
    const loadAvg1m = Math.round(loadavg()[0]! * 100) / 100
    log(`${tag}: server pid ${server.pid} on ${server.port}, load average ${loadAvg1m}`)
    const result = await scenario.run({
      target,
      server,
      pool,
      quick: opts.quick,
      specs,
      log: (m) => log(`${tag}: ${m}`),
      profileWindows: Boolean(opts.diag && opts.windowProf && PROFILED.has(target.name)),
    })
    return { ...result, loadAvg1m }
  } catch (err) {
    log(`${tag}: error: ${(err as Error).message}`)
    return { error: (err as Error).message, log: logFile }
  } finally {
    await Promise.race([pool.closeAll(), new Promise((r) => setTimeout(r, 10_000))])
    await pool.destroy()
    await server.stop()
  }
}

const scenarios = [fanout, rooms, connect, memory, busy].filter((s) => !opts.only || opts.only.includes(s.name))
const systems = opts.systems ? [...targets, ...namedOnlyTargets].filter((t) => opts.systems!.includes(t.name)) : targets
const dataFs = filesystemOf(dataDir)
const machine = {
  ...machineInfo(),
  mode: opts.quick ? 'quick' : 'full',
  loadWorkers: opts.workers,
  dataDir,
  dataFilesystem: dataFs.type,
}
// Only guildhall writes to disk (the embedded store); the peers keep nothing.
const refused = systems.some((t) => t.name.startsWith('guildhall')) ? refusal(dataDir) : undefined
if (refused) {
  log(`refused: ${refused}`)
  process.exit(2)
}
log(
  `bench ${opts.quick ? 'quick' : 'full'}: ${scenarios.map((s) => s.name).join(', ')} × ${systems.map((t) => t.name).join(', ')}; data in ${dataDir} (${dataFs.type}); server logs in ${logDir}`,
)

const started = Date.now()
const out: ScenarioResult[] = []
for (const scenario of scenarios) {
  const results: Record<string, SystemResult> = {}
  for (const target of systems) results[target.name] = await runOne(scenario, target)
  scenario.summarize?.(results)
  out.push({ name: scenario.name, unit: scenario.unit, results })
}

Object.assign(machine, {
  loadAvgEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  durationSec: Math.round((Date.now() - started) / 1000),
})
mkdirSync(resultsDir, { recursive: true })
writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify({ machine, scenarios: out }, null, 2)}\n`)
const md = markdown(out, machine)
writeFileSync(join(resultsDir, 'latest.md'), md)
if (opts.save) {
  // A run that docs/benchmarks.md cites is committed with its raw data (bench/results/runs/).
  const runs = join(resultsDir, 'runs')
  mkdirSync(runs, { recursive: true })
  writeFileSync(join(runs, `${opts.save}.json`), `${JSON.stringify({ machine, scenarios: out }, null, 2)}\n`)
  writeFileSync(join(runs, `${opts.save}.md`), md)
  log(`saved as bench/results/runs/${opts.save}.json and .md`)
}
process.stdout.write(`\n${md}`)
log('wrote bench/results/latest.json and latest.md')
process.exit(0)
