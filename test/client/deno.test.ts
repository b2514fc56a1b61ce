/** The client runs under Deno (the real binary from the `deno` dev dependency) against the server. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { startInProcess } from '../support/server.ts'
import { uniq } from '../e2e/scenarios/util.ts'

const root = new URL('../..', import.meta.url).pathname

t.test('under Deno: join, send, receive, history', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const { stdout } = await promisify(execFile)(
    join(root, 'node_modules/.bin/deno'),
    ['run', '--allow-net', 'test/client/deno/talk.ts', server.http, await server.token({ sub: 'dina' }), uniq('deno')],
    { cwd: root, timeout: 60_000 },
  )
  t.same(JSON.parse(stdout.trim().split('\n').at(-1)!), { user: 'dina', acks: [1, 2], seen: [1, 2], history: 2 })
})
