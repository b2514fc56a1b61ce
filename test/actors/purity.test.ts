/**
 * Room logic reads time only from the injected clock, draws no randomness and does no I/O
 * (README "Design"; docs/guarantees.md claim 12). A regex check until a real lint replaces it,
 * made honest: comments and string contents are blanked before matching (so prose cannot trip
 * it and a string cannot hide an import), it asserts it read the files it claims to, and it
 * proves each rule on fixtures below before trusting it on actors/.
 */
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix } from 'node:path'

/** What may not appear in actors/ outside the facades. Matched on code only (see `codeOf`). */
const rules: Record<string, RegExp> = {
  timers:
    /\b(?:setTimeout|setInterval|setImmediate|queueMicrotask|clearTimeout|clearInterval|clearImmediate|requestAnimationFrame)\b/g,
  // Any mention of the global: `Date.now()`, `new Date()`, `const D = Date`, `globalThis.Date`.
  date: /\bDate\b/g,
  performance: /\bperformance\b/g,
  // The global, used or aliased (`process.hrtime`, `const p = process`); not a method `x.process(`.
  process: /(?<![\w$.])process\b(?!\s*\()/g,
  random: /\bMath\s*(?:\.\s*random\b|\[)/g,
  crypto: /\bcrypto\b/g,
  runtimes: /\b(?:Deno|Bun)\b/g,
  // The way around every rule above: `globalThis['Da' + 'te']`, `eval`, `new Function`.
  globals: /\bglobalThis\b|(?<![\w$.])(?:eval|Function)\s*\(|\bnew\s+Function\b/g,
  dynamicImport: /(?<![\w$.])(?:import|require)\s*\(/g,
  io: /(?<![\w$.])(?:fetch|XMLHttpRequest|WebSocket|Worker|BroadcastChannel)\s*\(|\bnew\s+(?:WebSocket|Worker|XMLHttpRequest)\b/g,
}

/** The room core (actors/core) is also synchronous: effects are data the shell carries out. */
const coreRules: Record<string, RegExp> = { async: /\b(?:async|await|Promise)\b/g }

/** Packages actors/ may import: pure code that runs the same everywhere. */
const allowedPackages = ['valibot']

/**
 * The facades, and what each may use. `max` caps the count so a second use cannot hide behind
 * the first: the host's one `crypto.randomUUID()` is the default of its injected `newId`.
 */
const facades: { files: RegExp; rule: string; max?: number }[] = [
  { files: /^actors\/clock\.ts$/, rule: 'timers' },
  { files: /^actors\/clock\.ts$/, rule: 'date' },
  { files: /^actors\/testing(?:\.ts|\/)/, rule: 'timers' },
  { files: /^actors\/testing(?:\.ts|\/)/, rule: 'date' },
  { files: /^actors\/host\.ts$/, rule: 'crypto', max: 1 },
]

/**
 * The source with comments and string contents blanked (same length and lines, so positions
 * hold). Import specifiers are kept: `from '…'`, `import '…'`, `import('…')`, `require('…')`.
 * Code inside a template's `${…}` stays code.
 */
export function codeOf(src: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ')
  let out = ''
  let i = 0
  const templateBraces: number[] = []
  const template = (): void => {
    // At a template's text (after '`' or a closing '}'): up to the closing '`' or a '${'.
    while (i < src.length) {
      const c = src[i]!
      if (c === '\\') (out += blank(src.slice(i, i + 2))), (i += 2)
      else if (c === '`') return void ((out += c), i++)
      else if (c === '$' && src[i + 1] === '{') return void ((out += '${'), (i += 2), templateBraces.push(0))
      else (out += blank(c)), i++
    }
  }
  while (i < src.length) {
    const c = src[i]!
    const next = src[i + 1]
    if (c === '/' && next === '/') {
      const end = src.indexOf('\n', i)
      const stop = end < 0 ? src.length : end
      out += blank(src.slice(i, stop))
      i = stop
    } else if (c === '/' && next === '*') {
      const end = src.indexOf('*/', i + 2)
      const stop = end < 0 ? src.length : end + 2
      out += blank(src.slice(i, stop))
      i = stop
    } else if (c === "'" || c === '"') {
      let j = i + 1
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1
      const body = src.slice(i + 1, j)
      const specifier = /(?:\bfrom|\bimport|\bimport\s*\(|\brequire\s*\()\s*$/.test(out)
      out += c + (specifier ? body : blank(body)) + (src[j] ?? '')
      i = j + 1
    } else if (c === '`') {
      out += c
      i++
      template()
    } else if (c === '/' && /(?:^|[(,=:[!&|?{};+\-*%<>~^]|\breturn|\btypeof)\s*$/.test(out)) {
      // A regex literal: its text is not code either.
      let j = i + 1
      let inClass = false
      while (j < src.length && src[j] !== '\n' && (inClass || src[j] !== '/')) {
        if (src[j] === '[') inClass = true
        else if (src[j] === ']') inClass = false
        j += src[j] === '\\' ? 2 : 1
      }
      out += '/' + blank(src.slice(i + 1, j)) + (src[j] ?? '')
      i = j + 1
    } else if (c === '{' && templateBraces.length > 0) {
      templateBraces[templateBraces.length - 1]!++
      out += c
      i++
    } else if (c === '}' && templateBraces.length > 0 && templateBraces[templateBraces.length - 1] === 0) {
      templateBraces.pop()
      out += c
      i++
      template()
    } else {
      if (c === '}' && templateBraces.length > 0) templateBraces[templateBraces.length - 1]!--
      out += c
      i++
    }
  }
  return out
}

interface Finding {
  rule: string
  line: number
  text: string
}

function findAll(code: string, rule: string, pattern: RegExp): Finding[] {
  return [...code.matchAll(new RegExp(pattern.source, 'g'))].map((m) => ({
    rule,
    line: code.slice(0, m.index).split('\n').length,
    text: m[0],
  }))
}

/** Every import specifier that leaves actors/ or names a package other than the allowed ones. */
function badImports(file: string, code: string): Finding[] {
  const found: Finding[] = []
  for (const m of code.matchAll(/\b(?:from|import)\s*(['"])([^'"]*)\1/g)) {
    const spec = m[2]!
    const inside = spec.startsWith('.')
      ? posix.normalize(posix.join(posix.dirname(file), spec)).startsWith('actors/')
      : allowedPackages.includes(spec)
    if (!inside) found.push({ rule: 'imports', line: code.slice(0, m.index).split('\n').length, text: spec })
  }
  return found
}

/** What `file` (a path like `actors/x.ts`) breaks, facades applied. */
export function check(file: string, src: string): Finding[] {
  const code = codeOf(src)
  const active = { ...rules, ...(file.startsWith('actors/core/') ? coreRules : {}) }
  const found = badImports(file, code)
  for (const [rule, pattern] of Object.entries(active)) {
    const hits = findAll(code, rule, pattern)
    const facade = facades.find((f) => f.rule === rule && f.files.test(file))
    if (facade && hits.length <= (facade.max ?? Infinity)) continue
    found.push(...hits)
  }
  return found
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = posix.join(dir, name)
    if (statSync(join(path)).isDirectory()) return files(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })
}

const flagged: [string, string][] = [
  ['timers', 'setTimeout(f, 1)'],
  ['timers', 'const h = setInterval(f, 1)'],
  ['timers', 'setImmediate(f)'],
  ['timers', 'queueMicrotask(() => done())'],
  ['date', 'const at = Date.now()'],
  ['date', 'const d = new Date()'],
  ['date', 'const D = Date\nconst at = D.now()'],
  ['date', 'const at = globalThis.Date.now()'],
  ['date', 'const s = `at ${Date.now()} ms`'],
  ['date', 'const s = `${`${Date.now()}`}`'],
  ['performance', 'const at = performance.now()'],
  ['process', 'const t0 = process.hrtime.bigint()'],
  ['process', 'const p = process\np.exit(1)'],
  ['process', 'const { env } = process'],
  ['random', 'const r = Math.random()'],
  ['random', "const r = Math['random']()"],
  ['crypto', 'crypto.getRandomValues(bytes)'],
  ['crypto', 'const id = crypto.randomUUID()'],
  ['runtimes', 'Deno.readTextFile(path)'],
  ['globals', "const D = globalThis['Da' + 'te']"],
  ['globals', "eval('Date.now()')"],
  ['globals', "const now = new Function('return Date.now()')"],
  ['dynamicImport', "const fs = await import('node:fs')"],
  ['dynamicImport', "const fs = require('fs')"],
  ['io', "await fetch('http://example.com')"],
  ['io', 'const ws = new WebSocket(url)'],
  ['imports', "import { readFile } from 'node:fs'"],
  ['imports', "import 'node:fs'"],
  ['imports', "export { hostname } from 'node:os'"],
  ['imports', "import { WebSocketServer } from 'ws'"],
  ['imports', "import { createGuildhall } from '../src/server.ts'"],
  ['imports', "import type { Config } from '../../src/config.ts'"],
]

/** Code no rule may flag: the things the rules name, in comments, strings, regexes and other names. */
const clean = [
  '// Date.now(), setTimeout and process.hrtime() are fine in a comment',
  '/* crypto.randomUUID(); import("node:fs") */',
  '/**\n * Never `new Date()` here: the clock.\n */',
  "const note = 'uses Date.now() and Math.random()'",
  "const q = \"import('node:fs') or require('x')\"",
  'const s = `setTimeout ${clock.now()} and performance.now()`',
  'const re = /Date|process|setTimeout/g',
  'this.process(frame)\nroom.process = 1',
  'const updatedAt = clock.now()\nconst date = 1\nconst setTimeoutMs = 5',
  "import type { Clock } from './clock.ts'",
  "import * as v from 'valibot'",
  "export { ManualClock } from './testing/manual-clock.ts'",
  'const x = a / b / c',
]

t.test('the check itself: each rule flags its fixtures', async (t) => {
  for (const [rule, src] of flagged) {
    t.ok(
      check('actors/room.ts', src).some((f) => f.rule === rule),
      `${rule}: ${src}`,
    )
  }
  t.ok(
    check('actors/core/room-core.ts', 'await store.append(batch)').some((f) => f.rule === 'async'),
    'the core awaits nothing',
  )
  t.ok(
    check('actors/core/room-core.ts', 'return new Promise((r) => r(1))').some((f) => f.rule === 'async'),
    'the core makes no Promise',
  )
  t.same(check('actors/session.ts', 'async function f() { await g() }'), [], 'the shell may await')
  t.ok(
    Object.keys(rules).every((rule) => flagged.some(([r]) => r === rule)),
    'every rule has a fixture',
  )
})

t.test('the check itself: clean code is not flagged', async (t) => {
  for (const src of clean) t.same(check('actors/core/room.ts', src), [], src)
  t.equal(codeOf('a /* x\ny */ b').split('\n').length, 2, 'lines are kept, so findings name the right line')
})

t.test('the check itself: facades allow only what they are for', async (t) => {
  t.same(check('actors/clock.ts', 'setTimeout(f, at - Date.now())'), [])
  t.ok(check('actors/clock.ts', 'Math.random()').length > 0, 'the clock facade is no licence for randomness')
  t.same(check('actors/host.ts', 'this.newId = opts.newId ?? (() => crypto.randomUUID())'), [])
  t.ok(
    check('actors/host.ts', 'crypto.randomUUID()\ncrypto.getRandomValues(b)').length > 0,
    'one use of crypto in the host, not two',
  )
  t.ok(
    check('actors/testing/faults.ts', "import { x } from 'node:fs'").length > 0,
    'the harness imports no runtime either',
  )
})

const all = files('actors')

t.test('it reads the files it checks', async (t) => {
  t.ok(all.length >= 30, `${all.length} source files in actors/ (35 when this was written)`)
  t.ok(all.filter((f) => f.startsWith('actors/core/')).length >= 10, 'the room core is among them')
  for (const f of [
    'actors/host.ts',
    'actors/session.ts',
    'actors/actor.ts',
    'actors/core/room-core.ts',
    'actors/clock.ts',
    'actors/testing.ts',
  ]) {
    t.ok(all.includes(f), f)
  }
})

t.test('actors/: no clock, timer, randomness, runtime, I/O or src/ import outside the facades', async (t) => {
  for (const file of all) {
    const findings = check(file, readFileSync(file, 'utf8'))
    t.same(findings, [], file)
  }
})

t.test('every facade is still used (a stale one would hide a new use)', async (t) => {
  for (const facade of facades) {
    const used = all
      .filter((f) => facade.files.test(f))
      .some((f) => findAll(codeOf(readFileSync(f, 'utf8')), facade.rule, rules[facade.rule]!).length > 0)
    t.ok(used, `${facade.files.source}: ${facade.rule}`)
  }
})
