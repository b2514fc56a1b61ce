import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { FileHandle } from 'node:fs/promises'
import process from 'node:process'
import { SeqConflictError, type Store } from '../../../actors/store.ts'
import { fill, messages, storeContract } from '../../../test/contract/store.ts'
import { encodeFrame } from './frame.ts'
import { DataDirLockedError, EmbeddedStore, LOG_FILE } from './index.ts'
import { encodeRecord } from './records.ts'

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'guildhall-embedded-'))

storeContract(t, 'EmbeddedStore', async () => {
  const dir = tempDir()
  let store: Store = await EmbeddedStore.open({ dir })
  return {
    store,
    reopen: async () => (store = await EmbeddedStore.open({ dir })),
    cleanup: async () => {
      await store.close()
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
})

/** A store in a fresh directory, closed and removed after the test. */
async function fresh(t: Test) {
  const dir = tempDir()
  const open = () => EmbeddedStore.open({ dir })
  const stores: EmbeddedStore[] = []
  const reopen = async () => {
    const s = await open()
    stores.push(s)
    return s
  }
  t.teardown(async () => {
    for (const s of stores) await s.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })
  return { dir, file: path.join(dir, LOG_FILE), store: await reopen(), reopen }
}

const head = async (s: Store, room = 'lobby') => (await s.loadRoom(room, { recentLimit: 1, idempotencySince: 0 })).seq

t.test('one append is one write and one sync', async (t) => {
  const { store } = await fresh(t)
  await store.append('lobby', 0, messages('lobby', 1, 5))
  t.same(store.log.stats, { writes: 1, syncs: 1 })
  await store.advanceReadMarker('lobby', 'alice', 3)
  await store.advanceReadMarker('lobby', 'alice', 2)
  t.same(store.log.stats, { writes: 2, syncs: 2 }, 'a marker that does not move is not written')
})

t.test('concurrent appends are serialized and grouped', async (t) => {
  const { store, reopen } = await fresh(t)
  const calls = [
    // One room, pipelined: each batch continues the one before it, none yet durable.
    store.append('lobby', 0, messages('lobby', 1, 2)),
    store.append('lobby', 2, messages('lobby', 3, 2)),
    ...Array.from({ length: 20 }, (_, i) => store.append(`room${i}`, 0, messages(`room${i}`, 1, 3))),
  ]
  const conflicting = store.append('lobby', 2, messages('lobby', 3, 1, 'bob'))
  await t.rejects(conflicting, SeqConflictError, 'the pipelined head is checked too')
  await Promise.all(calls)
  t.equal(store.log.stats.syncs, 2, 'the first write alone, then everything that queued behind it')
  await store.close()
  const again = await reopen()
  t.equal(await head(again), 4)
  for (let i = 0; i < 20; i++) t.equal(await head(again, `room${i}`), 3)
})

t.test('garbage after the last record is cut off on open', async (t) => {
  const { file, store, reopen, dir } = await fresh(t)
  await fill(store, 'lobby', 30)
  await store.close()
  const size = fs.statSync(file).size
  fs.appendFileSync(file, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]))
  const again = await reopen()
  t.equal(await head(again), 30)
  t.equal(fs.statSync(file).size, size, 'truncated back')
  t.ok(fs.readdirSync(dir).some((f) => f.startsWith(`${LOG_FILE}.discarded-`)), 'the cut-off bytes are kept')
  await again.append('lobby', 30, messages('lobby', 31, 1))
  await again.close()
  t.equal(await head(await reopen()), 31, 'and the log goes on from there')
})

t.test('half a record at the end (a torn write) is cut off', async (t) => {
  const { file, store, reopen } = await fresh(t)
  await fill(store, 'lobby', 10)
  await store.close()
  const frame = encodeFrame(encodeRecord({ t: 'append', room: 'lobby', messages: messages('lobby', 11, 5) }))
  fs.appendFileSync(file, frame.subarray(0, frame.length >> 1))
  const again = await reopen()
  t.equal(await head(again), 10)
  t.equal(await again.findByClientId('lobby', 'alice', 'c11'), undefined)
})

t.test('a flipped bit in the last record fails its checksum', async (t) => {
  const { file, store, reopen } = await fresh(t)
  await store.append('lobby', 0, messages('lobby', 1, 1))
  await store.append('lobby', 1, messages('lobby', 2, 1))
  await store.close()
  const bytes = fs.readFileSync(file)
  bytes[bytes.length - 3]! ^= 0x10
  fs.writeFileSync(file, bytes)
  t.equal(await head(await reopen()), 1)
})

t.test('a log truncated anywhere keeps every whole record before the cut', async (t) => {
  const { file, store, reopen } = await fresh(t)
  const sizes: number[] = []
  for (let seq = 1; seq <= 4; seq++) {
    await store.append('lobby', seq - 1, messages('lobby', seq, 1))
    sizes.push(fs.statSync(file).size)
  }
  await store.close()
  const full = fs.readFileSync(file)
  const cuts: [number, number][] = [[sizes[3]! - 1, 3], [sizes[2]! + 4, 3], [sizes[1]!, 2], [sizes[0]! - 1, 0], [3, 0], [0, 0]]
  for (const [cut, seqs] of cuts) {
    fs.writeFileSync(file, full.subarray(0, cut))
    const s = await reopen()
    t.equal(await head(s), seqs, `cut at ${cut}`)
    await s.close()
  }
})

t.test('acknowledged writes are on disk without a clean close (crash)', async (t) => {
  const { dir, store } = await fresh(t)
  await fill(store, 'lobby', 12)
  await store.putGuildMember('g', 'alice')
  // Copy the directory as a crash would leave it: the store is still open, never closed.
  const copy = tempDir()
  t.teardown(() => fs.rmSync(copy, { recursive: true, force: true }))
  fs.copyFileSync(path.join(dir, LOG_FILE), path.join(copy, LOG_FILE))
  const after = await EmbeddedStore.open({ dir: copy })
  t.equal(await head(after), 12)
  t.equal(await after.isGuildMember('g', 'alice'), true)
  await after.close()
})

t.test('one process per data directory', async (t) => {
  const { dir, store } = await fresh(t)
  await t.rejects(EmbeddedStore.open({ dir }), DataDirLockedError, 'twice in one process')
  await store.close()
  await (await EmbeddedStore.open({ dir })).close()
  t.pass('close releases the lock (other processes: lock.test.ts)')
})

t.test('compaction on open drops superseded records and keeps the state', async (t) => {
  const { file, store, reopen } = await fresh(t)
  await fill(store, 'lobby', 20)
  for (let seq = 1; seq <= 20; seq++) await store.advanceReadMarker('lobby', 'alice', seq)
  for (let i = 0; i < 10; i++) {
    await store.putRoomMember('secret', 'bob')
    await store.deleteRoomMember('secret', 'bob')
  }
  await store.putRoomMember('secret', 'carol')
  await store.putRoom({ roomId: 'secret', visibility: 'public' })
  await store.putRoom({ roomId: 'secret', visibility: 'private' })
  await store.putRoom({ roomId: 'shut', visibility: 'public' })
  await store.closeRoom('shut')
  for (const u of ['zed', 'amy', 'bob']) await store.putGuildMember('g', u)
  await store.deleteGuildMember('g', 'bob')
  await store.close()
  const before = fs.statSync(file).size

  const dir = path.dirname(file)
  const compacted = await EmbeddedStore.open({ dir, compactAfter: 10 })
  t.ok(fs.statSync(file).size < before, 'the log shrank')
  t.equal(await compacted.getReadMarker('lobby', 'alice'), 20)
  t.equal(await compacted.isRoomMember('secret', 'bob'), false)
  t.equal(await compacted.isRoomMember('secret', 'carol'), true)
  t.same(await compacted.getRoom('secret'), { roomId: 'secret', visibility: 'private' })
  t.same(await compacted.getRoom('shut'), { roomId: 'shut', visibility: 'public', closed: true }, 'a closed room stays closed')
  t.same(await compacted.listGuildMembers('g', { limit: 10 }), { members: ['amy', 'zed'] })
  t.equal(await head(compacted), 20)
  await compacted.append('lobby', 20, messages('lobby', 21, 1))
  await compacted.close()
  const again = await reopen()
  t.equal(await head(again), 21, 'the compacted log takes appends and reopens')
  t.equal(await again.findByClientId('lobby', 'alice', 'c5').then((m) => m?.seq), 5)
})

t.test('after a failed write the store refuses writes until reopened, and reads go on', async (t) => {
  const { store, reopen } = await fresh(t)
  await store.append('lobby', 0, messages('lobby', 1, 1))
  // Pull the file out from under the log: the next write fails as a dying disk would.
  await (store.log as unknown as { fh: FileHandle }).fh.close()
  const first = store.append('lobby', 1, messages('lobby', 2, 1))
  const queued = store.putGuildMember('g', 'alice')
  await t.rejects(first, /log write failed/)
  await t.rejects(queued, /log write failed/, 'what queued behind it fails too')
  await t.rejects(store.append('lobby', 1, messages('lobby', 2, 1)), /log write failed/, 'and so does what comes later')
  t.equal(await head(store), 1, 'reads still work')
  await store.close().catch(() => {})
  const again = await reopen()
  t.equal(await head(again), 1)
  await again.append('lobby', 1, messages('lobby', 2, 1))
})

t.test('a closed store refuses calls', async (t) => {
  const { store } = await fresh(t)
  await store.close()
  await t.rejects(store.append('lobby', 0, messages('lobby', 1, 1)), /closed/)
  await t.rejects(store.getRoom('lobby'), /closed/)
})
