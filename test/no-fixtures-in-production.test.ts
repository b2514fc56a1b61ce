/**
 * Test fixtures live in test/, bench/ or actors/testing*, never in the code the server runs:
 * no production module imports one, and the fixtures that used to ship in it (a DynamoDB test
 * kit in src/store/dynamodb/, a memory logger in src/log.ts, harness-only methods on
 * ActorHost) are gone from it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { ActorHost } from '../actors/host.ts'
import * as log from '../src/log.ts'

const production = ['actors', 'src', 'otel']
  .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => path.join(dir, file)))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
  .filter((file) => !/^actors\/testing(\.ts$|\/)/.test(file))

const isFixture = (target: string) => /^(test|bench)\/|^actors\/testing(\.ts$|\/)/.test(target)

t.test('no production module imports a fixture', async (t) => {
  t.ok(production.length > 100, `found the production modules (${production.length})`)
  const found: string[] = []
  for (const file of production) {
    const code = readFileSync(file, 'utf8')
    for (const [, spec] of code.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = path.relative('.', path.resolve(path.dirname(file), spec!))
      if (isFixture(target)) found.push(`${file} imports ${target}`)
    }
  }
  t.same(found, [])
})

t.test('the fixtures that shipped in production code are gone from it', async (t) => {
  t.same(
    production.filter((file) => /fixture/i.test(file)),
    [],
    'no fixture module under actors/, src/, otel/',
  )
  t.notOk('createMemoryLogger' in log, 'src/log.ts: the memory logger is in test/support/memory-logger.ts')
  for (const name of ['evict', 'isQuiet', 'isActive', 'isDraining'])
    t.notOk(name in ActorHost.prototype, `ActorHost.${name}: on the harness's HarnessHost only`)
})
