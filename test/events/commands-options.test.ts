// Every commands consumer limit is a named option with a documented default: each field of
// `CommandsOptions` has a row in docs/operations.md (field, env name, default) and the README
// lists its variable.
import { readFileSync } from 'node:fs'
import t from 'tap'
import { commandsDefaults, commandsEnvName, type CommandsOptions } from '../../src/events/commands-options.ts'

const operations = readFileSync('docs/operations.md', 'utf8')
const readme = readFileSync('README.md', 'utf8')

t.test('docs/operations.md and the README list every commands option with its default', async (t) => {
  for (const key of Object.keys(commandsDefaults) as (keyof CommandsOptions)[]) {
    const env = commandsEnvName(key)
    const row = operations.split('\n').find((line) => line.startsWith(`| \`${key}\` | \`${env}\``))
    t.ok(row, `${key} has a row naming ${env} in docs/operations.md`)
    t.ok(row?.includes(`| ${commandsDefaults[key]} |`), `${key}'s row gives its default ${commandsDefaults[key]}`)
    t.ok(readme.includes(`\`${env}\``), `the README lists ${env}`)
  }
})
