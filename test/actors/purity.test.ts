// Room logic reads time only from the injected clock and does no I/O (STYLE.md, celld's lint).
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'testing' ? [] : files(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })
}

const clockFree = files('actors').filter((f) => !['actors/clock.ts', 'actors/testing.ts'].includes(f))

t.test('no wall clock or timers outside actors/clock.ts', async (t) => {
  for (const file of clockFree) {
    const text = readFileSync(file, 'utf8')
    t.notMatch(text, /Date\.now\(|new Date\(|setTimeout\(|setInterval\(|performance\.now\(/, file)
  }
})

t.test('actors/ imports nothing from src/ and nothing runtime-specific', async (t) => {
  for (const file of files('actors')) {
    const text = readFileSync(file, 'utf8')
    t.notMatch(text, /from ['"](\.\.\/)+src\//, `${file} imports src/`)
    t.notMatch(text, /from ['"](node:|ws['"]|@hono\/node-server)/, `${file} imports a runtime`)
  }
})

t.test('the room core does no I/O and no randomness', async (t) => {
  for (const file of files('actors/core')) {
    const text = readFileSync(file, 'utf8')
    t.notMatch(text, /Math\.random|crypto\.|await |Promise/, file)
  }
})
