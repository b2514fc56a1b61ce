/**
 * Loaded into a Node server under test with `--import` (the harness's `--diag`): once a second
 * it writes one JSON line to stderr (the server's log file) with the event loop's delay
 * (perf_hooks.monitorEventLoopDelay: p50/p99/max in ms), garbage collection in that second
 * (count, total and longest pause, ms) and memory (RSS, heap used/total, external, MB).
 * It reads the process from outside its code: nothing in src/ knows of it.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import { join } from 'node:path'
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'

const delay = monitorEventLoopDelay({ resolution: 5 })
delay.enable()
let gc = { count: 0, ms: 0, maxMs: 0 }
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.count++
    gc.ms += e.duration
    gc.maxMs = Math.max(gc.maxMs, e.duration)
  }
}).observe({ entryTypes: ['gc'] })

const mb = (n: number): number => Math.round(n / 1e5) / 10
const ms = (ns: number): number => Math.round(ns / 1e4) / 100
setInterval(() => {
  const m = process.memoryUsage()
  const line = {
    diag: Date.now(),
    loopP50Ms: ms(delay.percentile(50)),
    loopP99Ms: ms(delay.percentile(99)),
    loopMaxMs: ms(delay.max),
    gcCount: gc.count,
    gcMs: Math.round(gc.ms),
    gcMaxMs: Math.round(gc.maxMs),
    rssMB: mb(m.rss),
    heapUsedMB: mb(m.heapUsed),
    heapTotalMB: mb(m.heapTotal),
    externalMB: mb(m.external),
    arrayBuffersMB: mb(m.arrayBuffers),
    // Per V8 space, MB committed/used: which generation holds the heap total's growth.
    spaces: Object.fromEntries(
      getHeapSpaceStatistics()
        .filter((s) => s.space_size > 1e6)
        .map((s) => [s.space_name.replace(/_space$/, ''), `${mb(s.space_size)}/${mb(s.space_used_size)}`]),
    ),
  }
  delay.reset()
  gc = { count: 0, ms: 0, maxMs: 0 }
  process.stderr.write(`${JSON.stringify(line)}\n`)
}, 1000).unref()

/**
 * SIGUSR2 starts a CPU profile, the next one stops it and writes it to `DIAG_PROF_DIR` (the
 * harness's `--window-prof`: one profile per measured window, connects and drains left out).
 */
const profDir = process.env.DIAG_PROF_DIR
if (profDir) {
  const inspector = new Session()
  inspector.connect()
  let running = false
  let n = 0
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true
      inspector.post('Profiler.enable', () => inspector.post('Profiler.start'))
      return
    }
    running = false
    inspector.post('Profiler.stop', (err, res) => {
      if (err) return
      mkdirSync(profDir, { recursive: true })
      writeFileSync(join(profDir, `window-${process.pid}-${++n}.cpuprofile`), JSON.stringify(res.profile))
    })
  })
}
