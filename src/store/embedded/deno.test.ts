/**
 * The embedded store runs unchanged on Deno 2 (its node:sqlite and node:fs, FileHandle.datasync,
 * zlib.crc32 all exist there): write, reopen, import a log written by the log
 * store, under a real Deno. The directory lock is
 * Deno's own flock, the one Node takes (lock.ts): a directory this Node process holds is
 * refused, naming it, and a LOCK file without the OS lock is taken over; no --allow-run.
 * Skipped where the `deno` package is not installed.
 */
import t, { type Test } from 'tap'
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import process from 'node:process'
import { fileURLToPath } from 'node:url'
import { EmbeddedStore, LEGACY_LOG as LOG_FILE } from './index.ts'

const deno = fileURLToPath(new URL('../../../node_modules/.bin/deno', import.meta.url))
const storeUrl = new URL('./index.ts', import.meta.url).href

const script = `
import * as fs from 'node:fs'
import { EmbeddedStore, LEGACY_LOG as LOG_FILE, IMPORTED_LOG } from ${JSON.stringify(storeUrl)}
const [dir, heldDir, staleDir, livePid, legacyDir] = Deno.args
const locked = await EmbeddedStore.open({ dir: heldDir }).then(() => 'opened', (e) => e.name + ': ' + e.message)
fs.mkdirSync(staleDir)
fs.writeFileSync(staleDir + '/LOCK', JSON.stringify({ pid: Number(livePid) }))
const stale = await EmbeddedStore.open({ dir: staleDir }).then((s) => (s.close(), 'opened'), (e) => e.name)
const msg = (seq) => ({ id: 'm' + seq, seq, roomId: 'GUILD#g', senderId: 'alice', text: 'hi ' + seq, ts: 1000 + seq, clientId: 'c' + seq })
let store = await EmbeddedStore.open({ dir })
await store.append('GUILD#g', 0, [msg(1), msg(2)])
await store.append('GUILD#g', 2, [msg(3)])
await store.putGuildMember('g', 'alice')
await store.advanceReadMarker('GUILD#g', 'alice', 2)
const commits = store.commits
await store.close()
store = await EmbeddedStore.open({ dir })
const page = await store.readPage('GUILD#g', { limit: 10 })
console.log(JSON.stringify({
  seqs: page.messages.map((m) => m.seq),
  member: await store.isGuildMember('g', 'alice'),
  marker: await store.getReadMarker('GUILD#g', 'alice'),
  commits,
  locked,
  stale,
  imported: await EmbeddedStore.open({ dir: legacyDir }).then(async (s) => {
    const head = (await s.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq
    await s.close()
    return { head, kept: fs.existsSync(legacyDir + '/' + IMPORTED_LOG), gone: !fs.existsSync(legacyDir + '/' + LOG_FILE) }
  }),
}))
await store.close()
`

const skip = !fs.existsSync(deno) && 'deno is not installed'

/** Run the script under Deno (while this process holds `held/`); what it printed last. */
async function runDeno(t: Test, permissions: string[]): Promise<unknown> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guildhall-deno-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'check.mjs')
  fs.writeFileSync(file, script)
  const data = path.join(dir, 'data')
  const legacy = path.join(dir, 'legacy')
  fs.mkdirSync(legacy)
  fs.copyFileSync(
    new URL('../../../test/contract/fixtures/guildhall-6ff23fb.log', import.meta.url),
    path.join(legacy, LOG_FILE),
  )
  const held = await EmbeddedStore.open({ dir: path.join(dir, 'held') })
  t.teardown(() => held.close())
  const args = [
    ...permissions,
    `--allow-write=${dir}`,
    file,
    data,
    path.join(dir, 'held'),
    path.join(dir, 'stale'),
    String(process.pid),
    legacy,
  ]
  const run = spawnSync(deno, ['run', '--quiet', '--no-config', '--allow-read', ...args], {
    cwd: dir,
    encoding: 'utf8',
  })
  t.equal(run.status, 0, run.stderr)
  t.notMatch(run.stderr, /error/i, 'nothing failed on the way')
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}')
}

const expected = {
  seqs: [1, 2, 3],
  member: true,
  marker: 2,
  commits: 4,
  imported: { head: 120, kept: true, gone: true },
}

t.test('on Deno with the permissions of npm run start:deno, a directory Node holds is refused', { skip }, async (t) => {
  t.match(await runDeno(t, []), {
    ...expected,
    locked: new RegExp(`^DataDirLockedError: .* in use by process ${process.pid} \\(node\\)`),
    stale: 'opened',
  })
})
