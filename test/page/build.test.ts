/**
 * The page's script as browsers get it: dist/page (committed, served by the server) is what
 * `npm run build:page` makes from src/page now, and the client modules that build makes are
 * byte for byte dist/client, guildhall/client's own build (test/client/build.test.ts).
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { tempDir } from '../support/server.ts'

const root = new URL('../..', import.meta.url).pathname

t.test('dist/page is the current build of src/page (run npm run build:page)', async (t) => {
  const out = tempDir('guildhall-page-build-')
  t.teardown(() => out.remove())
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.page.json', '--outDir', out.dir], { cwd: root })
  const same = (dir: string) => {
    const built = readdirSync(join(out.dir, dir)).sort()
    const stale = built.filter(
      (f) => readFileSync(join(out.dir, dir, f), 'utf8') !== readFileSync(join(root, 'dist', dir, f), 'utf8'),
    )
    return { built, stale }
  }
  const page = same('page')
  t.same(readdirSync(join(root, 'dist/page')).sort(), page.built, 'dist/page: the same files')
  t.same(page.stale, [], 'dist/page: the same contents')
  t.same(same('client').stale, [], 'the client modules the page imports are dist/client as committed')
  const js = page.built.map((f) => readFileSync(join(out.dir, 'page', f), 'utf8'))
  t.notOk(
    js.some((s) => /from\s+["'][^"']+\.ts["']/.test(s)),
    'no import of a .ts file',
  )
})
