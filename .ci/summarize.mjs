// Summarizes the TAP of a whole `npm test` run as one last line "N passed, N failed" (after a
// list of what failed), and exits non-zero unless every expected test file ran and passed.
//
//   node .ci/summarize.mjs <log> [--root <dir>]
//
// Honest counts:
// - Each leaf assertion counts once. A subtest's closing line ("not ok 3 - some test") is not
//   an assertion of its own; it counts as one failure only when nothing under it failed (the
//   test threw, timed out, or its process exited non-zero after passing assertions).
// - A bail-out is a failure, named, and nothing after it ran.
// - The test files expected to run are tap's: the "tap.include" globs of <root>/package.json
//   (default: this repository), minus what tap always excludes. One that did not run, or ran
//   no assertion (everything skipped), counts as a failure with its name.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { globSync } from 'glob'
import { Parser } from 'tap-parser'

const args = process.argv.slice(2)
const rootAt = args.indexOf('--root')
const root = rootAt >= 0 ? resolve(args[rootAt + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..')
const logPath = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--root')

/** The test files tap runs with no arguments (@tapjs/run list.js and its default exclude). */
function expectedFiles() {
  const tap = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).tap ?? {}
  const include = tap.include ?? []
  const exclude = tap.exclude ?? ['**/@(fixture*(s)|dist)/**']
  const ignore = ['**/@(.tap|.nyc_output|.git|.hg|node_modules|tap-snapshots)/**', ...exclude]
  return [...new Set(include.flatMap((pattern) => globSync(pattern, { cwd: root, ignore, posix: true })))].sort()
}

const failures = []
let passed = 0
let skipped = 0

/** Per-subtest counts, added up the chain so each subtest knows what happened under it. */
function newStats(parent) {
  return { passed: 0, failed: 0, skipped: 0, parent }
}
function add(stats, key) {
  for (let s = stats; s; s = s.parent) s[key]++
}

const files = new Map()
function watch(parser, stats, depth) {
  const children = []
  parser.on('child', (child) => {
    const s = newStats(stats)
    children.push({ child, stats: s })
    if (depth === 0) files.set(child.name, s)
    watch(child, s, depth + 1)
  })
  parser.on('assert', (res) => {
    const closed = children.find((c) => c.child.closingTestPoint === res)
    if (closed) {
      if (depth === 0 && closed.child.name !== res.name) files.set(res.name, closed.stats)
      if (res.ok || res.skip || res.todo || closed.stats.failed > 0) return
      add(stats, 'failed')
      const why = res.diag?.exitCode
        ? ` (exit code ${res.diag.exitCode})`
        : res.diag?.signal
          ? ` (${res.diag.signal})`
          : ''
      failures.push(`${res.fullname || res.name}${why}`)
    } else if (res.skip || res.todo) {
      add(stats, 'skipped')
      skipped++
    } else if (res.ok) {
      add(stats, 'passed')
      passed++
    } else {
      add(stats, 'failed')
      failures.push(res.fullname || res.name)
    }
  })
}

const text = logPath ? readFileSync(logPath, 'utf8') : ''
const parser = new Parser()
let bailout
parser.on('bailout', (reason) => {
  bailout ??= reason
})
watch(parser, newStats(undefined), 0)
// npm and tsc print their own lines before the TAP stream; keep only the stream.
const start = text.indexOf('TAP version')
parser.end(start >= 0 ? text.slice(start) : '')

if (bailout !== undefined) failures.push(`Bail out! ${bailout || '(no reason given)'}: the run stopped there`)
for (const file of expectedFiles()) {
  const s = files.get(file)
  if (!s) failures.push(`${file}: did not run`)
  else if (s.passed + s.failed === 0) failures.push(`${file}: ran no assertion (${s.skipped} skipped)`)
}

for (const f of failures) console.log(`FAILED: ${f}`)
console.log(`${passed} passed, ${failures.length} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failures.length > 0 || passed === 0 ? 1 : 0)
