// Every limit is a named option with a documented default: each field of `Limits` must be in
// docs/operations.md (by field name, env name and default) and in the README's table.
import t from 'tap'
import { readFileSync } from 'node:fs'
import { defaultLimits, type Limits } from '../../actors/limits.ts'
import { limitEnvName } from '../../src/config.ts'

const operations = readFileSync('docs/operations.md', 'utf8')
const readme = readFileSync('README.md', 'utf8')

t.test('docs/operations.md and the README list every limit', async (t) => {
  const keys = Object.keys(defaultLimits) as (keyof Limits)[]
  t.ok(keys.length > 30, 'the limits were found')
  for (const key of keys) {
    const env = limitEnvName(key)
    const row = operations.split('\n').find((line) => line.startsWith(`| \`${key}\` |`))
    t.ok(row, `${key} has a row in docs/operations.md`)
    t.ok(row?.includes(`\`${env}\``), `${key}'s row names ${env}`)
    t.ok(row?.includes(String(defaultLimits[key])), `${key}'s row gives its default ${defaultLimits[key]}`)
    t.ok(readme.includes(`\`${env}\``), `the README lists ${env}`)
  }
})
