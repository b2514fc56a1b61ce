// Counts every leaf assertion in a TAP stream (subtest summary lines are not counted twice)
// and prints "N passed, N failed". Exits non-zero when nothing ran or anything failed.
import { readFileSync } from 'node:fs'
import { Parser } from 'tap-parser'

let passed = 0
let failed = 0
let skipped = 0
function watch(parser) {
  let open = 0
  parser.on('child', (child) => { open++; watch(child) })
  parser.on('assert', (res) => {
    if (open > 0) { open--; if (res.ok) return }
    if (res.skip || res.todo) skipped++
    else if (res.ok) passed++
    else failed++
  })
}
const text = readFileSync(process.argv[2], 'utf8')
const root = new Parser()
watch(root)
// npm prints its own lines around the TAP stream; keep only the stream.
const start = text.indexOf('TAP version')
root.end(start >= 0 ? text.slice(start) : '')
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
