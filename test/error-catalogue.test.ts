/**
 * One source of error codes and default messages (actors/protocol/errors.ts), and our own
 * errors told apart by class: no other production module spells out a default message, and
 * none recognises one of our error classes by its `name` string.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { accessMessages, frameMessages, httpMessages } from '../actors/protocol/errors.ts'

const catalogue = 'actors/protocol/errors.ts'
const production = ['actors', 'src', 'otel']
  .flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((file) => path.join(dir, file)))
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
  .filter((file) => !/^actors\/testing(\.ts$|\/)/.test(file))
const sources = new Map(production.map((file) => [file, readFileSync(file, 'utf8')]))

t.test('default messages are written once, in the catalogue', async (t) => {
  t.ok(sources.has(catalogue))
  const messages = new Set([
    ...Object.values(frameMessages),
    ...Object.values(httpMessages),
    ...Object.values(accessMessages),
  ])
  const copies: string[] = []
  for (const [file, code] of sources) {
    if (file === catalogue) continue
    for (const line of code.split('\n')) {
      if (/\.close\(/.test(line)) continue // a WebSocket close reason is not an error message
      for (const message of messages) if (line.includes(`'${message}'`)) copies.push(`${file}: ${message}`)
    }
  }
  t.same(copies, [])
})

t.test('our errors are told apart by class, never by name or by a duck-typed code', async (t) => {
  const ours = new Set<string>()
  for (const code of sources.values()) for (const [, name] of code.matchAll(/override name = '(\w+)'/g)) ours.add(name!)
  t.ok(ours.has('AccessRevokedError') && ours.has('Refusal'), `found our error classes (${ours.size})`)
  const byName: string[] = []
  for (const [file, code] of sources) {
    for (const name of ours)
      if (new RegExp(`[=!]==\\s*'${name}'|'${name}'\\s*[=!]==`).test(code)) byName.push(`${file}: ${name}`)
    if (/as \{ code\?: unknown \}[^\n]*\)\?\.code/.test(code) && file.startsWith('src/http/'))
      byName.push(`${file}: .code`)
  }
  t.same(byName, [])
})
