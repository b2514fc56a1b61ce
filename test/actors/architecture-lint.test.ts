/**
 * Room logic reads time only from the injected clock, draws no randomness and does no I/O, and
 * actors/ imports neither src/ nor a runtime (README "Design"; docs/guarantees.md claim 12).
 * Biome enforces that (biome.json `overrides` on actors/**, lint/*.grit); `npm run lint` runs it
 * on the repository. This test proves each rule fires: every forbidden construct below, written
 * to actors/ in a scratch project with this repository's biome.json and plugins, is reported by
 * the rule named, and the same code under src/ is not (the rules are scoped to actors/). Biome's
 * `--stdin-file-path` cannot serve here: in stdin mode `biome lint` prints no diagnostics.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, posix, resolve } from 'node:path'

const biome = resolve('node_modules/.bin/biome')

const FLOATING = 'lint/nursery/noFloatingPromises'
const MISUSED = 'lint/nursery/noMisusedPromises'
const GLOBALS = 'lint/style/noRestrictedGlobals'
const IMPORTS = 'lint/style/noRestrictedImports'
const PLUGIN = 'plugin'
/** The rules that encode the architecture; the recommended rules may say more about a fixture. */
const architecture = new Set([GLOBALS, IMPORTS, PLUGIN])

interface Diagnostic {
  category: string
  message: string
  location: { path: string; start?: { line: number } }
}

/** Lints `files` (path -> source) in a scratch project with this repository's lint setup. */
function lint(files: Record<string, string>): Map<string, Diagnostic[]> {
  const dir = mkdtempSync(join(tmpdir(), 'guildhall-lint-'))
  try {
    const config = JSON.parse(readFileSync('biome.json', 'utf8'))
    delete config.$schema
    delete config.vcs // the scratch project is no git checkout
    writeFileSync(join(dir, 'biome.json'), JSON.stringify(config))
    cpSync('lint', join(dir, 'lint'), { recursive: true })
    symlinkSync(resolve('node_modules'), join(dir, 'node_modules')) // the dependencies' types, as in the repository
    for (const [path, src] of Object.entries(files)) {
      mkdirSync(join(dir, dirname(path)), { recursive: true })
      writeFileSync(join(dir, path), src)
    }
    let out: string
    try {
      out = execFileSync(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '--colors=off', '.'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
    } catch (err) {
      out = (err as { stdout: string }).stdout // exit 1: errors were reported
    }
    const report = JSON.parse(out) as { diagnostics: Diagnostic[] }
    const byFile = new Map<string, Diagnostic[]>(Object.keys(files).map((f) => [f, []]))
    for (const d of report.diagnostics) byFile.get(d.location.path)?.push(d)
    for (const d of report.diagnostics) {
      if (!byFile.has(d.location.path)) throw new Error(`biome: ${d.category}: ${d.message}`) // config or plugin error
    }
    return byFile
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const ruleOf = (ds: Diagnostic[]) => [...new Set(ds.filter((d) => architecture.has(d.category)).map((d) => d.category))]

/** [rule that must fire, code]; the code goes to actors/ (and to src/, where nothing fires). */
const flagged: [string, string][] = [
  [GLOBALS, 'setTimeout(f, 1)'],
  [GLOBALS, 'const h = setInterval(f, 1)'],
  [GLOBALS, 'setImmediate(f)'],
  [GLOBALS, 'queueMicrotask(() => done())'],
  [GLOBALS, 'clearTimeout(h)'],
  [GLOBALS, 'const at = Date.now()'],
  [GLOBALS, 'const d = new Date()'],
  [GLOBALS, 'const D = Date\nconst at = D.now()'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: fixture code, a template literal written in a string
  [GLOBALS, 'const s = `at ${Date.now()} ms`'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: fixture code, a template literal written in a string
  [GLOBALS, 'const s = `${`${Date.now()}`}`'],
  [GLOBALS, 'let at: Date | undefined'],
  [GLOBALS, 'const at = performance.now()'],
  [GLOBALS, 'const t0 = process.hrtime.bigint()'],
  [GLOBALS, 'const p = process\np.exit(1)'],
  [GLOBALS, 'const { env } = process'],
  [GLOBALS, 'crypto.getRandomValues(bytes)'],
  [GLOBALS, 'const id = crypto.randomUUID()'],
  [GLOBALS, 'Deno.readTextFile(path)'],
  [GLOBALS, 'Bun.file(path)'],
  [GLOBALS, 'const at = globalThis.Date.now()'],
  [GLOBALS, "const D = globalThis['Da' + 'te']"],
  [GLOBALS, "const D = self['Date']"],
  [GLOBALS, "eval('Date.now()')"],
  [GLOBALS, "const now = new Function('return Date.now()')"],
  [GLOBALS, "const fs = require('fs')"],
  [GLOBALS, "await fetch('http://example.com')"],
  [GLOBALS, 'const ws = new WebSocket(url)'],
  [GLOBALS, 'const w = new Worker(url)'],
  [GLOBALS, 'const x = new XMLHttpRequest()'],
  [GLOBALS, "const c = new BroadcastChannel('x')"],
  [PLUGIN, 'const r = Math.random()'],
  [PLUGIN, "const r = Math['random']()"],
  [PLUGIN, 'const { random } = Math'],
  [PLUGIN, "const fs = await import('node:fs')"],
  [IMPORTS, "import { readFile } from 'node:fs'"],
  [IMPORTS, "import 'node:fs'"],
  [IMPORTS, "import fs from 'fs'"],
  [IMPORTS, "export { hostname } from 'node:os'"],
  [IMPORTS, "import { WebSocketServer } from 'ws'"],
  [IMPORTS, "import { serve } from '@hono/node-server'"],
  [IMPORTS, "import { x } from 'npm:ws'"],
  [IMPORTS, "import { x } from 'jsr:@std/fs'"],
  [IMPORTS, "import { createGuildhall } from '../src/server.ts'"],
  [IMPORTS, "import type { Config } from '../src/config.ts'"],
]

/** Imports that leave actors/, by the depth of the importing file (each depth has its pattern). */
const leaving: [string, string][] = [
  ['actors/core/deep.ts', "import type { Config } from '../../src/config.ts'"],
  ['actors/testing/cluster/deep.ts', "import { x } from '../../../src/x.ts'"],
  ['actors/testing/cluster/deep2.ts', "import { x } from '../../../test/support/client.ts'"],
]

/** Imports that stay inside actors/, by depth: none of these may be flagged. */
const inside: [string, string][] = [
  ['actors/inside.ts', "import type { Clock } from './clock.ts'\nimport { RoomCore } from './core/room-core.ts'"],
  ['actors/core/inside.ts', "import type { Clock } from '../clock.ts'\nimport { x } from './presence.ts'"],
  ['actors/testing/cluster/inside.ts', "import type { Clock } from '../../clock.ts'\nimport { y } from '../faults.ts'"],
  ['actors/inside-valibot.ts', "import * as v from 'valibot'"],
]

/** Code no rule may flag, in the core even: the names in comments, strings, regexes and members. */
const clean = [
  '// Date.now(), setTimeout and process.hrtime() are fine in a comment',
  '/* crypto.randomUUID(); import("node:fs"); await x */',
  '/**\n * Never `new Date()` here: the clock.\n */',
  "const note = 'uses Date.now() and Math.random() and async'",
  "const q = \"import('node:fs') or require('x')\"",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: fixture code, a template literal written in a string
  'const s = `setTimeout ${clock.now()} and performance.now()`',
  'const re = /Date|process|setTimeout|Promise/g',
  'this.process(frame)\nroom.process = 1\nroom.random = 2\nstats.Date = 3',
  'const updatedAt = clock.now()\nconst date = 1\nconst setTimeoutMs = 5\nconst asyncMode = true',
  'const low = Math.floor(Math.max(a, b) / 2)',
  "export { ManualClock } from './testing/manual-clock.ts'",
  'function f(setTimeout: (fn: () => void) => void) { setTimeout(() => {}) }',
  'const x = a / b / c',
]

/** The room core is synchronous: these are flagged in actors/core/ and allowed elsewhere in actors/. */
const coreOnly: [string, string][] = [
  [PLUGIN, 'async function f() { await g() }'],
  [PLUGIN, 'const f = async () => 1'],
  [PLUGIN, 'class A { private async m() {} }'],
  [PLUGIN, 'const o = { async m() {} }'],
  [PLUGIN, 'const f = async function () {}'],
  [GLOBALS, 'return new Promise((r) => r(1))'],
  [GLOBALS, 'let p: Promise<void> | undefined'],
]

const src = (code: string) => `${code}\nexport {}\n`

t.test('each rule fires in actors/ and not in src/', async (t) => {
  const files: Record<string, string> = {}
  flagged.forEach(([, code], i) => {
    files[`actors/f${i}.ts`] = src(code)
    files[`src/f${i}.ts`] = src(code)
  })
  const found = lint(files)
  flagged.forEach(([rule, code], i) => {
    t.ok(ruleOf(found.get(`actors/f${i}.ts`)!).includes(rule), `${rule} in actors/: ${code}`)
    t.same(ruleOf(found.get(`src/f${i}.ts`)!), [], `nothing in src/: ${code}`)
  })
  t.ok(
    [GLOBALS, IMPORTS, PLUGIN].every((rule) => flagged.some(([r]) => r === rule)),
    'every rule has a fixture',
  )
})

t.test('imports: leaving actors/ is flagged at every depth, staying inside is not', async (t) => {
  const found = lint(Object.fromEntries([...leaving, ...inside].map(([path, code]) => [path, src(code)])))
  for (const [path, code] of leaving) t.same(ruleOf(found.get(path)!), [IMPORTS], `${path}: ${code}`)
  for (const [path, code] of inside) t.same(ruleOf(found.get(path)!), [], `${path}: ${code}`)
})

t.test('clean code is not flagged, in the core either', async (t) => {
  const found = lint(Object.fromEntries(clean.map((code, i) => [`actors/core/c${i}.ts`, src(code)])))
  clean.forEach((code, i) => {
    t.same(ruleOf(found.get(`actors/core/c${i}.ts`)!), [], code)
  })
})

t.test('the core is synchronous; the shell may await', async (t) => {
  const files: Record<string, string> = {}
  coreOnly.forEach(([, code], i) => {
    files[`actors/core/a${i}.ts`] = src(`export function wrap() {\n${code}\n}`)
    files[`actors/a${i}.ts`] = src(`export function wrap() {\n${code}\n}`)
  })
  const found = lint(files)
  coreOnly.forEach(([rule, code], i) => {
    t.ok(ruleOf(found.get(`actors/core/a${i}.ts`)!).includes(rule), `${rule} in actors/core/: ${code}`)
    t.same(ruleOf(found.get(`actors/a${i}.ts`)!), [], `allowed in actors/: ${code}`)
  })
})

t.test('facades allow only what they are for', async (t) => {
  const found = lint({
    'actors/clock.ts': src('setTimeout(f, at - Date.now())'),
    'actors/testing.ts': src('const deadline = Date.now() + 10_000\nclearTimeout(h)'),
    'actors/testing/manual.ts': src('setTimeout(f, 1)'),
    'actors/testing/random.ts': src('const r = Math.random()'),
    'actors/testing/io.ts': src("import { x } from 'node:fs'"),
    'actors/clock-random.ts': src('const r = Math.random()'),
    'actors/host.ts': src('this.newId = opts.newId ?? (() => crypto.randomUUID())'),
    'actors/core/clock.ts': src('const at = Date.now()'),
  })
  t.same(ruleOf(found.get('actors/clock.ts')!), [], 'the clock may use timers and Date')
  t.same(ruleOf(found.get('actors/testing.ts')!), [], 'the harness may use timers and Date')
  t.same(ruleOf(found.get('actors/testing/manual.ts')!), [], 'and so may actors/testing/')
  t.same(ruleOf(found.get('actors/testing/random.ts')!), [PLUGIN], 'the harness facade is no licence for randomness')
  t.same(ruleOf(found.get('actors/testing/io.ts')!), [IMPORTS], 'the harness imports no runtime either')
  t.same(ruleOf(found.get('actors/host.ts')!), [GLOBALS], 'the host has no licence for crypto: its one use is excused')
  t.same(ruleOf(found.get('actors/core/clock.ts')!), [GLOBALS], 'a file named clock.ts elsewhere is no facade')
})

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = posix.join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })
}

const all = sources('actors')

t.test('every facade is still needed (a stale one would hide a new use)', async (t) => {
  // The facades' own code, moved out of the facade paths, must trip the rules they are exempt from.
  const testing = all.filter((f) => f.startsWith('actors/testing/'))
  const files: Record<string, string> = {
    'actors/moved-clock.ts': readFileSync('actors/clock.ts', 'utf8'),
    'actors/moved-testing.ts': readFileSync('actors/testing.ts', 'utf8'),
  }
  for (const f of testing) files[f.replace('actors/testing/', 'actors/moved-testing/')] = readFileSync(f, 'utf8')
  const found = lint(files)
  t.ok(ruleOf(found.get('actors/moved-clock.ts')!).includes(GLOBALS), 'actors/clock.ts uses timers or Date')
  t.ok(ruleOf(found.get('actors/moved-testing.ts')!).includes(GLOBALS), 'actors/testing.ts uses timers or Date')
  t.ok(
    testing.some((f) => ruleOf(found.get(f.replace('actors/testing/', 'actors/moved-testing/'))!).includes(GLOBALS)),
    'actors/testing/ uses timers or Date',
  )
  // The host's one crypto use is excused on its line; Biome reports a suppression that excuses nothing.
  const excuses = all.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((line) => /biome-ignore(?:-all|-start)?\s+(?:lint\/style\/noRestricted|lint\/plugin|plugin)/.test(line))
      .map((line) => `${f}: ${line.trim()}`),
  )
  t.equal(excuses.length, 1, 'one architecture rule excused in actors/')
  t.match(excuses[0], /^actors\/host\.ts: .*noRestrictedGlobals: .*crypto/, "the host's default newId")
})

t.test('the rules cover every file of actors/', async (t) => {
  t.ok(all.length >= 30, `${all.length} source files in actors/ (35 when the regex check was written)`)
  t.ok(all.filter((f) => f.startsWith('actors/core/')).length >= 10, 'the room core is among them')
  // noRestrictedImports is set per depth (biome.json): actors/x.ts, actors/a/x.ts, actors/a/b/x.ts.
  const deepest = Math.max(...all.map((f) => f.split('/').length - 1))
  t.ok(deepest <= 3, `no file deeper than actors/a/b/x.ts (deepest: ${deepest}); add an override for a deeper one`)
})

t.test(
  'the promise rules: what they catch across modules, and what they miss (README "Lint and format")',
  async (t) => {
    const found = lint({
      'src/store.ts': src(
        [
          'export interface Port { append(text: string): Promise<number> }',
          'export class Store implements Port {',
          '  async append(_text: string): Promise<number> { return 1 }',
          '  async flush() {}',
          '}',
        ].join('\n'),
      ),
      'src/caller.ts': src(
        [
          "import { readFile } from 'node:fs/promises'",
          "import type { Port, Store } from './store.ts'",
          'export function f(port: Port, store: Store): void {',
          "  port.append('a')", // line 4
          '  store.flush()', // line 5
          '  if (store.flush()) return', // line 6
          "  readFile('x')", // line 7
          '  void store.flush()', // line 8
          '}',
        ].join('\n'),
      ),
    })
    const at = (line: number) =>
      found
        .get('src/caller.ts')!
        .filter((d) => d.location.start?.line === line)
        .map((d) => d.category)
    t.same(at(4), [FLOATING], "an interface's method declared in another module, not awaited")
    t.same(at(5), [FLOATING], "a class's async method with an inferred return type, not awaited")
    t.same(at(6), [MISUSED], 'a promise as a condition')
    t.same(at(8), [], 'void marks a promise left on purpose')
    // A tripwire: Biome does not read the types of dependencies' declarations. When this fails,
    // it does: the README's paragraph on what the promise rules miss is out of date.
    t.same(at(7), [], "a floating promise typed only in a dependency's declarations goes unflagged")
  },
)
