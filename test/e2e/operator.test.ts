/**
 * Operator mistakes and the new user's tools (issue 8 items 12, 13, 15 and `npm run token`),
 * with the real commands: `npm start` and `npm run start:deno` signalled as a terminal or a
 * process manager would, a Node and a Deno server on one DATA_DIR, the token script's tokens
 * against a real server.
 */
import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { Client, is } from '../support/client.ts'
import { groupMembers, npmRun, type NpmRun } from '../support/npm.ts'
import { startChild, startInProcess, tempDir } from '../support/server.ts'
import { mint, testSecret } from '../support/tokens.ts'
import { http } from './scenarios/util.ts'

const denoInstalled = fs.existsSync(new URL('../../node_modules/.bin/deno', import.meta.url))

/** `p`, or a rejection naming `what` after `ms` (a bug here would otherwise hang until tap's timeout). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)
  })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

/** `npm run <script>` of the server on a free port and a fresh DATA_DIR, once it listens. */
async function npmServer(t: Test, script: string): Promise<NpmRun & { ws: string }> {
  const data = tempDir()
  t.teardown(() => data.remove())
  const run = npmRun(script, [], { PORT: '0', HOST: '127.0.0.1', DATA_DIR: data.dir, JWT_SECRET: testSecret })
  t.teardown(() => run.kill())
  const listening = await within(
    run.logged((l) => l.event === 'listening'),
    60_000,
    `npm run ${script} listening`,
  )
  return { ...run, ws: `ws://127.0.0.1:${listening.port}` }
}

/** After the signal: the server drained, and the group (npm, its shell, the server, helpers) is gone. */
async function drainedAndGone(t: Test, run: NpmRun): Promise<void> {
  await within(
    run.logged((l) => l.event === 'drain_done'),
    30_000,
    'drain_done',
  )
  await within(run.outputClosed, 30_000, 'every process of the group closing its output')
  await run.exited
  t.same(groupMembers(run.pgid), [], 'no process of the group is left')
  t.notOk(
    run.lines.some((l) => l.event === 'drain_aborted'),
    'the drain ran to its end',
  )
}

t.test('kill -TERM of the npm start process drains the server and ends the whole group', async (t) => {
  const run = await npmServer(t, 'start')
  const c = await Client.open(`${run.ws}/ws/rooms/lobby`, { token: await mint({ sub: 'alice' }) })
  await c.take(is('welcome'))
  process.kill(run.pgid, 'SIGTERM') // npm's own pid, as `kill -TERM <pid of npm start>`
  t.equal((await c.closedBy()).code, 1001, 'sockets closed with 1001')
  await drainedAndGone(t, run)
})

t.test('Ctrl+C under npm start (SIGINT to the whole group, then forwarded by npm) drains once', async (t) => {
  const run = await npmServer(t, 'start')
  // Enough sockets that the drain is still running when npm's copy of the signal arrives.
  const clients = await Promise.all(
    Array.from({ length: 100 }, async (_, i) =>
      Client.open(`${run.ws}/ws/rooms/lobby`, { token: await mint({ sub: `user-${i}` }) }),
    ),
  )
  await Promise.all(clients.map((c) => c.take(is('welcome'))))
  process.kill(-run.pgid, 'SIGINT')
  await drainedAndGone(t, run)
  const codes = await Promise.all(clients.map(async (c) => (await c.closedBy()).code))
  t.same(new Set(codes), new Set([1001]), 'every socket closed with 1001')
})

t.test(
  'kill -TERM of npm run start:deno drains the Deno server and ends the whole group',
  { skip: !denoInstalled && 'deno is not installed' },
  async (t) => {
    const run = await npmServer(t, 'start:deno')
    process.kill(run.pgid, 'SIGTERM')
    await drainedAndGone(t, run)
  },
)

t.test(
  'a Node and a Deno server never share a DATA_DIR; a SIGKILLed holder leaves no lock',
  { skip: !denoInstalled && 'deno is not installed' },
  async (t) => {
    const data = tempDir()
    t.teardown(() => data.remove())
    const node = await startChild({ runtime: 'node', dataDir: data.dir })
    t.teardown(() => node.stop())
    const held = (pid: number, runtime: string) =>
      new RegExp(`exited with 1[^]*DATA_DIR \\(${data.dir}\\): .*in use by process ${pid} \\(${runtime}\\)`)
    await t.rejects(
      startChild({ runtime: 'deno', dataDir: data.dir }),
      held(node.child.pid!, 'node'),
      'Deno refuses a directory Node holds',
    )
    node.child.kill('SIGKILL')
    await node.exited

    const deno = await startChild({ runtime: 'deno', dataDir: data.dir })
    t.teardown(() => deno.stop())
    t.pass('after SIGKILL of the Node holder, Deno starts')
    await t.rejects(
      startChild({ runtime: 'node', dataDir: data.dir }),
      held(deno.child.pid!, 'deno'),
      'Node refuses a directory Deno holds',
    )
    deno.child.kill('SIGKILL')
    await deno.exited
    const again = await startChild({ runtime: 'node', dataDir: data.dir })
    t.teardown(() => again.stop())
    t.pass('after SIGKILL of the Deno holder, Node starts')
  },
)

t.test('a DATA_DIR that cannot be created is named', async (t) => {
  const data = tempDir()
  t.teardown(() => data.remove())
  const file = path.join(data.dir, 'a-file')
  fs.writeFileSync(file, '')
  await t.rejects(
    startChild({ runtime: 'node', dataDir: path.join(file, 'data') }),
    /exited with 1[\s\S]*DATA_DIR \(.*a-file\/data\)/,
  )
})

/** `npm run -s token -- <args>`: the token it printed, or its exit code and stderr. */
async function token(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; token?: string; stderr: string }> {
  const run = npmRun('token', args, { JWT_SECRET: '', DATA_DIR: '', ...env })
  await run.outputClosed
  const code = await run.exited
  const printed = run.stdout.filter((l) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(l))
  return { code, token: printed.at(-1), stderr: run.stderr.join('\n') }
}

t.test('npm run token signs with JWT_SECRET, and the server accepts its tokens', async (t) => {
  const server = await startInProcess()
  t.teardown(() => server.stop())
  const bob = await token(['bob', '--ttl', '1h'], { JWT_SECRET: testSecret })
  t.equal(bob.code, 0, bob.stderr)
  const c = await Client.open(`${server.ws}/ws/rooms/lobby`, { token: bob.token! })
  t.match(await c.take(is('welcome')), { user: 'bob' })
  await c.close()
  const ops = await token(['ops', '--admin'], { JWT_SECRET: testSecret })
  t.equal(
    (await http(server, 'GET', '/admin/rooms', { token: ops.token! })).status,
    200,
    '--admin gives the admin role',
  )
  t.equal((await http(server, 'GET', '/admin/rooms', { token: bob.token! })).status, 403, 'without it, none')
})

t.test('npm run token against a running development server (no JWT_SECRET anywhere)', async (t) => {
  const data = tempDir()
  t.teardown(() => data.remove())
  const dev = await startChild({ runtime: 'node', dataDir: data.dir, env: { JWT_SECRET: '' } })
  t.teardown(() => dev.stop())
  t.ok(await dev.printed(/npm run -s token -- alice/), 'the banner says how to get tokens for more users')
  const carol = await token(['carol'], { DATA_DIR: data.dir })
  t.equal(carol.code, 0, carol.stderr)
  const c = await Client.open(`${dev.ws}/ws/rooms/lobby`, { token: carol.token! })
  t.match(await c.take(is('welcome')), { user: 'carol' })
  await c.close()
  t.equal(fs.statSync(path.join(data.dir, 'dev-secret')).mode & 0o777, 0o600, 'the secret is readable by its user only')
  t.equal(await dev.terminate(), 0)
  t.notOk(fs.existsSync(path.join(data.dir, 'dev-secret')), 'and removed when the server stops')
})

t.test('npm run token refuses clearly without a secret, or with bad arguments', async (t) => {
  const data = tempDir()
  t.teardown(() => data.remove())
  const none = await token(['dave'], { DATA_DIR: data.dir })
  t.equal(none.code, 1)
  t.match(none.stderr, /JWT_SECRET is not set and no development server is running on DATA_DIR/)
  t.match((await token(['dave'], { JWT_SECRET: 'short' })).stderr, /at least 32 bytes/)
  t.match((await token(['dave', '--ttl', 'soon'], { JWT_SECRET: testSecret })).stderr, /--ttl soon/)
  t.match((await token([], { JWT_SECRET: testSecret })).stderr, /usage/)
})
