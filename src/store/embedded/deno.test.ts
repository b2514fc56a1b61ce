/**
 * The embedded store runs unchanged on Deno 2 (its node:fs, FileHandle.datasync and zlib.crc32
 * all exist there): write, reopen, repair a torn tail, under a real Deno. The directory lock
 * needs --allow-run to tell a live owner from a crashed one (lock.ts).
 * Skipped where the `deno` package is not installed.
 */
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'

const deno = fileURLToPath(new URL('../../../node_modules/.bin/deno', import.meta.url))
const storeUrl = new URL('./index.ts', import.meta.url).href

const script = `
import * as fs from 'node:fs'
import { EmbeddedStore, LOG_FILE } from ${JSON.stringify(storeUrl)}
const [dir, otherDir, livePid] = Deno.args
fs.mkdirSync(otherDir)
fs.writeFileSync(otherDir + '/LOCK', JSON.stringify({ pid: Number(livePid) }))
const locked = await EmbeddedStore.open({ dir: otherDir }).then(() => 'opened', (e) => e.name)
const msg = (seq) => ({ id: 'm' + seq, seq, roomId: 'GUILD#g', senderId: 'alice', text: 'hi ' + seq, ts: 1000 + seq, clientId: 'c' + seq })
let store = await EmbeddedStore.open({ dir })
await store.append('GUILD#g', 0, [msg(1), msg(2)])
await store.append('GUILD#g', 2, [msg(3)])
await store.putGuildMember('g', 'alice')
await store.advanceReadMarker('GUILD#g', 'alice', 2)
const syncs = store.log.stats.syncs
await store.close()
fs.appendFileSync(dir + '/' + LOG_FILE, new Uint8Array([9, 0, 0, 0, 1, 2]))
store = await EmbeddedStore.open({ dir })
const page = await store.readPage('GUILD#g', { limit: 10 })
console.log(JSON.stringify({
  seqs: page.messages.map((m) => m.seq),
  member: await store.isGuildMember('g', 'alice'),
  marker: await store.getReadMarker('GUILD#g', 'alice'),
  syncs,
  locked,
}))
await store.close()
`

const skip = !fs.existsSync(deno) && 'deno is not installed'

/** Run the script under Deno; what it printed last. */
function runDeno(t: Test, permissions: string[]): unknown {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guildhall-deno-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'check.mjs')
  fs.writeFileSync(file, script)
  const data = path.join(dir, 'data')
  const args = [...permissions, `--allow-write=${dir}`, file, data, path.join(dir, 'other'), String(process.pid)]
  const run = spawnSync(deno, ['run', '--quiet', '--no-config', '--allow-read', ...args], { cwd: dir, encoding: 'utf8' })
  t.equal(run.status, 0, run.stderr)
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}')
}

const expected = { seqs: [1, 2, 3], member: true, marker: 2, syncs: 4 }

t.test('on Deno with --allow-run, a live process keeps its lock', { skip }, async (t) => {
  t.same(runDeno(t, ['--allow-run']), { ...expected, locked: 'DataDirLockedError' })
})

t.test('on Deno without --allow-run (npm run start:deno), a lock cannot be checked and is taken over', { skip }, async (t) => {
  t.same(runDeno(t, []), { ...expected, locked: 'opened' })
})
