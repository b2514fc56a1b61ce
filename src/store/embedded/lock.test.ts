/**
 * The data directory lock against other processes (lock.ts): a live holder keeps it whatever
 * its LOCK file says, a dead one (even by SIGKILL) leaves nothing behind. Node against Deno:
 * deno.test.ts here and test/e2e/operator.test.ts.
 */
import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import process from 'node:process'
import { createInterface } from 'node:readline'
import { testing } from '../../adapters/file-lock.ts'
import { DataDirLockedError, EmbeddedStore } from './index.ts'

const lockUrl = new URL('./lock.ts', import.meta.url).href

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guildhall-lock-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Another Node process that takes the lock and holds it until killed. */
async function holder(t: Test, dir: string) {
  const code = `import { lockDir } from ${JSON.stringify(lockUrl)}; lockDir(${JSON.stringify(dir)}); console.log('locked'); setInterval(() => {}, 1e6)`
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(() => void child.kill('SIGKILL'))
  for await (const line of createInterface({ input: child.stdout! })) if (line === 'locked') break
  return {
    pid: child.pid!,
    kill: () => {
      child.kill('SIGKILL')
      return exited
    },
  }
}

t.test('a live process holds the directory; SIGKILL it and the next open succeeds', async (t) => {
  const dir = tempDir(t)
  const other = await holder(t, dir)
  await t.rejects(EmbeddedStore.open({ dir }), {
    name: 'DataDirLockedError',
    message: new RegExp(`in use by process ${other.pid} \\(node\\)`),
  })
  await other.kill()
  const store = await EmbeddedStore.open({ dir })
  t.match(
    JSON.parse(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')),
    { pid: process.pid, runtime: 'node' },
    'the file names the holder',
  )
  await store.close()
  t.equal(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8'), '', 'close empties it (the file stays: see lock.ts)')
})

t.test("a LOCK file's contents mean nothing without the OS lock (a crash, an older version, a live pid)", async (t) => {
  const dir = tempDir(t)
  for (const left of [JSON.stringify({ pid: process.ppid }), JSON.stringify({ pid: process.pid }), '{"pi']) {
    fs.writeFileSync(path.join(dir, 'LOCK'), left)
    await t.resolves(
      EmbeddedStore.open({ dir }).then((s) => s.close()),
      left,
    )
  }
})

t.test('twice in one process is refused too', async (t) => {
  const dir = tempDir(t)
  const store = await EmbeddedStore.open({ dir })
  await t.rejects(EmbeddedStore.open({ dir }), DataDirLockedError)
  await store.close()
})

const hasPerl = spawnSync('perl', ['-v']).status === 0
t.test('without flock(1), perl takes the same lock', { skip: !hasPerl && 'no perl' }, async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'LOCK')
  const perl = testing.helpers.filter(([cmd]) => cmd === 'perl')
  const a = fs.openSync(file, 'a+')
  const b = fs.openSync(file, 'a+')
  t.equal(testing.flockNode(a, perl), true, 'locked')
  t.equal(testing.flockNode(b, perl), false, 'a second open file description is refused')
  t.equal(testing.flockNode(b, testing.helpers.slice(0, 1)), false, 'and flock(1) sees the same lock')
  fs.closeSync(a)
  t.equal(testing.flockNode(b, perl), true, 'closing the holder releases it')
  t.throws(() => testing.flockNode(b, [['no-such-flock-helper', []]]), /needs no-such-flock-helper/)
  fs.closeSync(b)
})
