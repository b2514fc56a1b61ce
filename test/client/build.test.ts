/**
 * `guildhall/client` as others get it: the committed build in dist/client (what the
 * package's `exports` name and what browsers load) is what `npm run build:client` makes from
 * src/client now, and imported by the package's own name it works against the server.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startInProcess } from '../support/server.ts'
import { tempDir } from '../support/server.ts'
import { uniq } from '../e2e/scenarios/util.ts'

const root = new URL('../..', import.meta.url).pathname

t.test('dist/client is the current build of src/client (run npm run build:client)', async (t) => {
  const out = tempDir('guildhall-client-build-')
  t.teardown(() => out.remove())
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.client.json', '--outDir', out.dir], { cwd: root })
  const committed = join(root, 'dist/client')
  const built = readdirSync(out.dir).sort()
  t.same(readdirSync(committed).sort(), built, 'the same files')
  const stale = built.filter((f) => readFileSync(join(out.dir, f), 'utf8') !== readFileSync(join(committed, f), 'utf8'))
  t.same(stale, [], 'the same contents')
  const js = built.filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(out.dir, f), 'utf8'))
  t.notOk(
    js.some((s) => /from\s+["'][^"']+\.ts["']/.test(s)),
    'no import of a .ts file: browsers can load it as it is',
  )
})

t.test("import from 'guildhall/client' (the package's exports) talks to the server", async (t) => {
  const { GuildhallClient } = await import('guildhall/client')
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const client = new GuildhallClient({ url: server.http, token: await server.token({ sub: 'alice' }) })
  t.teardown(() => client.close())
  const room = client.join(uniq('exports'))
  await room.ready
  t.equal((await room.send('hello')).seq, 1)
})
