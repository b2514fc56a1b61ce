/**
 * The README's client example, as written there (only the URL changed to the test server's),
 * run by Node as an app would run it: importing 'guildhall/client' by the package's name.
 */
import { execFile } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { startInProcess } from '../support/server.ts'

const root = new URL('../..', import.meta.url).pathname

t.test("the README's client example works", async (t) => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## The client library'))
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1]
  t.ok(code?.includes("from 'guildhall/client'"), 'found the example')
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const file = join(root, 'test/client', `.readme-example-${process.pid}.ts`)
  writeFileSync(file, `${code!.replace('http://localhost:8787', server.http)}client.close()\n`)
  t.teardown(() => rmSync(file, { force: true }))
  const { stdout } = await promisify(execFile)(process.execPath, [file], {
    env: { ...process.env, TOKEN: await server.token({ sub: 'dev-user' }) },
    timeout: 30_000,
  })
  t.match(stdout, /^dev-user: hello$/m)
  t.match(stdout, /lobby: 0 unread/)
})
