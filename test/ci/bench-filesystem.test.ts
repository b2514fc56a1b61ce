/**
 * The benchmark records the filesystem under guildhall's DATA_DIR and refuses tmpfs, where fsync
 * is free and the embedded store's durability cost would vanish (bench/lib/filesystem.ts).
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describeMagic, filesystemOf, refusal } from '../../bench/lib/filesystem.ts'

t.test('statfs magic numbers name the filesystem; only in-memory ones are refused', async (t) => {
  t.same(describeMagic(0x01021994), { type: 'tmpfs', magic: '0x1021994', inMemory: true })
  t.equal(describeMagic(0x858458f6).inMemory, true, 'ramfs')
  t.same(describeMagic(0xef53), { type: 'ext2/3/4', magic: '0xef53', inMemory: false })
  t.equal(describeMagic(0x58465342).type, 'xfs')
  t.equal(describeMagic(0x794c7630).type, 'overlayfs')
  t.equal(describeMagic(0x9123683e).type, 'btrfs')
  t.equal(describeMagic(-1859950530).type, 'btrfs', 'a magic above 2^31 read as a signed number')
  t.same(describeMagic(0x1234), { type: 'unknown (0x1234)', magic: '0x1234', inMemory: false })
})

// /dev/shm is tmpfs on Linux; elsewhere there is no tmpfs to try.
const shm = existsSync('/dev/shm') && filesystemOf('/dev/shm').type === 'tmpfs' ? '/dev/shm' : undefined

t.test(
  'the harness refuses a data directory on tmpfs before it starts anything',
  { skip: !shm && 'no tmpfs at /dev/shm' },
  async (t) => {
    t.match(refusal(shm!), /on tmpfs: fsync costs nothing/)
    const dir = mkdtempSync(join(shm!, 'guildhall-bench-test-'))
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    const out = spawnSync(
      process.execPath,
      ['bench/run.ts', '--quick', '--only=memory', '--systems=guildhall', `--data-dir=${dir}`],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    )
    t.equal(out.status, 2)
    t.match(out.stdout + out.stderr, /refused: .* is on tmpfs/)
  },
)
