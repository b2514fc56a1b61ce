/**
 * The image runs src/main.ts from source (Node strips the types): every top-level folder the server's code
 * imports must be copied into it. otel/ was the first folder outside src/ and actors/ that
 * src/server.ts imports; without its COPY the image would not start.
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative } from 'node:path'

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name))
    .filter((f) => !f.includes('/testing'))
}

t.test('the Dockerfile copies every top-level folder the server imports', async (t) => {
  const copied = new Set([...readFileSync('Dockerfile', 'utf8').matchAll(/^COPY (\w+) \.\/\1$/gm)].map((m) => m[1]))
  const needed = new Set<string>()
  const seen = new Set<string>()
  const queue = ['src']
  while (queue.length > 0) {
    const top = queue.shift()!
    if (seen.has(top)) continue
    seen.add(top)
    needed.add(top)
    for (const file of sources(top)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = relative('.', normalize(join(dirname(file), m[1]!)))
        const first = target.split('/')[0]!
        if (!target.startsWith('..') && first !== top && first.length > 0) queue.push(first)
      }
    }
  }
  for (const dir of needed) t.ok(copied.has(dir), `COPY ${dir} ./${dir}`)
})
