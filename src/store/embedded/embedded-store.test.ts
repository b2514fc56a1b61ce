import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { FileHandle } from 'node:fs/promises'
import type { Logger } from '../../../actors/ports.ts'
import { SeqConflictError, type Store } from '../../../actors/store.ts'
import { fill, messages, storeContract, type StoreUnderTest } from '../../../test/contract/store.ts'
import { encodeFrame } from './frame.ts'
import { DataDirLockedError, DB_FILE, EmbeddedStore, type EmbeddedStoreOptions, logName } from './index.ts'
import { encodeRecord } from './records.ts'

const LOG_FILE = logName(1)

/** Remove the database (as if it had lost everything since its creation): the next open
 * replays the whole log, which is what these tests are about. */
function dropDatabase(dir: string): void {
  for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`]) fs.rmSync(path.join(dir, f), { force: true })
}

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'guildhall-embedded-'))

const makeStore = async (): Promise<StoreUnderTest> => {
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
}
storeContract(t, 'EmbeddedStore', makeStore)

/** A store in a fresh directory, closed and removed after the test. */
async function fresh(t: Test, opts: Omit<EmbeddedStoreOptions, 'dir'> = {}) {
  const dir = tempDir()
  const open = (more: Omit<EmbeddedStoreOptions, 'dir'> = {}) => EmbeddedStore.open({ dir, ...opts, ...more })
  const stores: EmbeddedStore[] = []
  const reopen = async (more: Omit<EmbeddedStoreOptions, 'dir'> = {}) => {
    const s = await open(more)
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

/**
 * The log's datasync, seen from the test: the real `fh.datasync()` (so it counts calls the
 * code really made, not a counter of its own), the log size each one made durable, and a way
 * to hold the next one, or fail it, as a slow or dying disk would.
 */
class SyncProbe {
  calls = 0
  /** Bytes of the log that a completed datasync covers: all a power loss is sure to keep. */
  durableBytes = 0
  #hold: { entered: (size: number) => void; gate: Promise<void> } | undefined

  readonly datasync = async (fh: FileHandle): Promise<void> => {
    this.calls++
    const size = (await fh.stat()).size
    const hold = this.#hold
    this.#hold = undefined
    if (hold) {
      hold.entered(size)
      await hold.gate
    }
    await fh.datasync()
    this.durableBytes = size
  }

  /** Holds the next datasync: `entered` resolves with the log size when it starts. */
  hold(): { entered: Promise<number>; release: (error?: Error) => void } {
    let entered!: (size: number) => void
    let release!: (error?: Error) => void
    const started = new Promise<number>((resolve) => (entered = resolve))
    const gate = new Promise<void>((resolve, reject) => (release = (error) => (error ? reject(error) : resolve())))
    this.#hold = { entered, gate }
    return { entered: started, release }
  }
}

/** Lets every pending callback and I/O completion run a few times over. */
const turns = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve))
}

t.test('an append resolves only after its datasync, and is not readable before', async (t) => {
  const probe = new SyncProbe()
  const { store, file } = await fresh(t, { datasync: probe.datasync })
  const held = probe.hold()
  let acked = false
  const append = store.append('lobby', 0, messages('lobby', 1, 3)).then(() => {
    acked = true
  })
  const size = await held.entered
  t.equal(size, fs.statSync(file).size, 'the datasync starts once the bytes are written')
  const queued = store.append('lobby', 3, messages('lobby', 4, 1)).then(() => {
    acked = true
  })
  await turns()
  t.equal(acked, false, 'not acknowledged while its datasync is held (nor what queued behind it)')
  t.equal(await head(store), 0, 'and not visible to reads')
  held.release()
  await append
  t.equal(await head(store), 3)
  await queued
  t.equal(await head(store), 4)
  t.equal(probe.calls, 2, 'the held group, then what queued behind it in one more')
  t.equal(probe.durableBytes, fs.statSync(file).size, 'everything acknowledged is covered by a completed datasync')
})

t.test(
  'a failed datasync acknowledges nothing: the write is refused, cut off, and the log refuses writes until reopened',
  async (t) => {
    const probe = new SyncProbe()
    const { store, file, reopen } = await fresh(t, { datasync: probe.datasync })
    await store.append('lobby', 0, messages('lobby', 1, 1))
    const before = fs.statSync(file).size
    const held = probe.hold()
    const failing = store.append('lobby', 1, messages('lobby', 2, 2))
    t.ok((await held.entered) > before, 'written, not yet synced')
    held.release(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }))
    await t.rejects(failing, /write failed/)
    t.equal(fs.statSync(file).size, before, 'the unsynced bytes are cut off, so no restart resurrects them')
    await t.rejects(
      store.append('lobby', 1, messages('lobby', 2, 1)),
      /write failed/,
      'after a failed sync the pages may be lost: no more writes',
    )
    t.equal(await head(store), 1)
    await store.close()
    const again = await reopen()
    t.equal(await head(again), 1)
    t.equal(await again.findByClientId('lobby', 'alice', 'c2'), undefined)
  },
)

t.test('one append is one datasync; a marker that does not move is not written', async (t) => {
  const probe = new SyncProbe()
  const { store, file } = await fresh(t, { datasync: probe.datasync })
  await store.append('lobby', 0, messages('lobby', 1, 5))
  t.equal(probe.calls, 1)
  await store.advanceReadMarker('lobby', 'alice', 3)
  t.equal(probe.calls, 2)
  const size = fs.statSync(file).size
  t.equal(await store.advanceReadMarker('lobby', 'alice', 2), 3)
  t.equal(probe.calls, 2, 'no datasync')
  t.equal(fs.statSync(file).size, size, 'nothing written')
})

t.test('concurrent appends are serialized and grouped', async (t) => {
  const probe = new SyncProbe()
  const { store, reopen } = await fresh(t, { datasync: probe.datasync })
  const calls = [
    // One room, pipelined: each batch continues the one before it, none yet durable.
    store.append('lobby', 0, messages('lobby', 1, 2)),
    store.append('lobby', 2, messages('lobby', 3, 2)),
    ...Array.from({ length: 20 }, (_, i) => store.append(`room${i}`, 0, messages(`room${i}`, 1, 3))),
  ]
  const conflicting = store.append('lobby', 2, messages('lobby', 3, 1, 'bob'))
  await t.rejects(conflicting, SeqConflictError, 'the pipelined head is checked too')
  await Promise.all(calls)
  t.equal(probe.calls, 1, 'everything queued in one turn, the first write too, in one write and one sync')
  await store.close()
  const again = await reopen()
  t.equal(await head(again), 4)
  for (let i = 0; i < 20; i++) t.equal(await head(again, `room${i}`), 3)
})

t.test("an active room's head is read from the database once, then kept in memory", async (t) => {
  const { store } = await fresh(t)
  for (let seq = 0; seq < 20; seq += 2) await store.append('lobby', seq, messages('lobby', seq + 1, 2))
  t.equal(await head(store), 20)
  await t.rejects(store.append('lobby', 19, messages('lobby', 20, 1)), SeqConflictError, 'a stale head is refused')
  t.equal(store.headQueries, 1, 'one query, for the first append')
})

t.test('the heads in memory are bounded by headCacheRooms: a room left out is read again, right', async (t) => {
  const { store, reopen } = await fresh(t, { headCacheRooms: 2 })
  for (const room of ['a', 'b', 'c']) await store.append(room, 0, messages(room, 1, 3))
  t.equal(store.headQueries, 3)
  await store.append('c', 3, messages('c', 4, 1))
  t.equal(store.headQueries, 3, 'c is still in memory')
  await t.rejects(store.append('a', 0, messages('a', 4, 1, 'bob')), SeqConflictError, 'a, read again, is at 3')
  t.equal(store.headQueries, 4, 'a was left out (the least recently used) and read again')
  await store.append('a', 3, messages('a', 4, 2))
  await store.close()
  const again = await reopen()
  t.same([await head(again, 'a'), await head(again, 'b'), await head(again, 'c')], [5, 3, 4])
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
  t.ok(
    fs.readdirSync(dir).some((f) => f.startsWith(`${LOG_FILE}.discarded-`)),
    'the cut-off bytes are kept',
  )
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
  const { file, store, reopen, dir } = await fresh(t)
  await store.append('lobby', 0, messages('lobby', 1, 1))
  await store.append('lobby', 1, messages('lobby', 2, 1))
  await store.close()
  const bytes = fs.readFileSync(file)
  bytes[bytes.length - 3]! ^= 0x10
  fs.writeFileSync(file, bytes)
  dropDatabase(dir)
  t.equal(await head(await reopen()), 1)
})

t.test('a log truncated anywhere keeps every whole record before the cut', async (t) => {
  const { file, store, reopen, dir } = await fresh(t)
  const sizes: number[] = []
  for (let seq = 1; seq <= 4; seq++) {
    await store.append('lobby', seq - 1, messages('lobby', seq, 1))
    sizes.push(fs.statSync(file).size)
  }
  await store.close()
  const full = fs.readFileSync(file)
  const cuts: [number, number][] = [
    [sizes[3]! - 1, 3],
    [sizes[2]! + 4, 3],
    [sizes[1]!, 2],
    [sizes[0]! - 1, 0],
    [3, 0],
    [0, 0],
  ]
  for (const [cut, seqs] of cuts) {
    fs.writeFileSync(file, full.subarray(0, cut))
    dropDatabase(dir)
    const s = await reopen()
    t.equal(await head(s), seqs, `cut at ${cut}`)
    await s.close()
  }
})

t.test('a power loss keeps every acknowledged write: all of them lie within what a datasync covered', async (t) => {
  const probe = new SyncProbe()
  const { dir, file, store } = await fresh(t, { datasync: probe.datasync })
  const acked: string[] = []
  const ack = (what: string) => () => void acked.push(what)
  await fill(store, 'lobby', 12).then(ack('lobby 1-12'))
  await store.putGuildMember('g', 'alice').then(ack('member'))
  await Promise.all(
    Array.from({ length: 5 }, (_, i) => store.append(`r${i}`, 0, messages(`r${i}`, 1, 2)).then(ack(`r${i}`))),
  )
  const held = probe.hold()
  const late = store.append('lobby', 12, messages('lobby', 13, 1)).then(ack('lobby 13'))
  await held.entered
  t.ok(fs.statSync(file).size > probe.durableBytes, 'the last write is in the file (the page cache), not yet synced')
  // The disk after a power loss, at worst: the log up to the last completed datasync. (A copy
  // of the whole file would come from the page cache and prove nothing.)
  const disk = tempDir()
  t.teardown(() => fs.rmSync(disk, { recursive: true, force: true }))
  fs.writeFileSync(path.join(disk, LOG_FILE), fs.readFileSync(file).subarray(0, probe.durableBytes))
  t.same(acked.sort(), ['lobby 1-12', 'member', 'r0', 'r1', 'r2', 'r3', 'r4'], 'lobby 13 is not acknowledged')
  const after = await EmbeddedStore.open({ dir: disk })
  t.equal(await head(after), 12, 'every acknowledged message of the room, not the unacknowledged one')
  t.equal(await after.isGuildMember('g', 'alice'), true)
  for (let i = 0; i < 5; i++) t.equal(await head(after, `r${i}`), 2)
  await after.close()
  held.release()
  await late
  t.equal(probe.durableBytes, fs.statSync(path.join(dir, LOG_FILE)).size, 'once acknowledged, synced too')
})

t.test('one process per data directory', async (t) => {
  const { dir, store } = await fresh(t)
  await t.rejects(EmbeddedStore.open({ dir }), DataDirLockedError, 'twice in one process')
  await store.close()
  await t.resolves(
    EmbeddedStore.open({ dir }).then((s) => s.close()),
    'close releases the lock (other processes: lock.test.ts)',
  )
})

t.test('after a failed write the store refuses writes until reopened, and reads go on', async (t) => {
  const { store, reopen } = await fresh(t)
  await store.append('lobby', 0, messages('lobby', 1, 1))
  // Pull the file out from under the log: the next write fails as a dying disk would.
  await (store.log as unknown as { fh: FileHandle }).fh.close()
  const first = store.append('lobby', 1, messages('lobby', 2, 1))
  const queued = store.putGuildMember('g', 'alice')
  await t.rejects(first, /write failed/)
  await t.rejects(queued, /write failed/, 'what queued behind it fails too')
  await t.rejects(store.append('lobby', 1, messages('lobby', 2, 1)), /write failed/, 'and so does what comes later')
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

/** Logged events, by name. */
function eventLogger(): Logger & { events: [string, Record<string, unknown> | undefined][] } {
  const events: [string, Record<string, unknown> | undefined][] = []
  const log = (event: string, fields?: Record<string, unknown>) => void events.push([event, fields])
  return { events, info: log, warn: log, error: log }
}

const replayed = (logger: ReturnType<typeof eventLogger>) =>
  logger.events.filter(([e]) => e === 'store_replayed').map(([, f]) => f?.records)

t.test('an open replays only the log the database has not applied: none after a clean close', async (t) => {
  const { store, reopen } = await fresh(t)
  await fill(store, 'lobby', 200)
  await store.advanceReadMarker('lobby', 'alice', 100)
  await store.close()
  const logger = eventLogger()
  const again = await reopen({ logger })
  t.same(replayed(logger), [], 'not one record: start-up does not grow with history')
  t.equal(await head(again), 200)
  t.equal(await again.getReadMarker('lobby', 'alice'), 100)
})

t.test('the database may lose its last transactions: the log replays them, each once', async (t) => {
  const { dir, store } = await fresh(t)
  await fill(store, 'lobby', 40)
  await store.putGuildMember('g', 'alice')
  await store.advanceReadMarker('lobby', 'alice', 30)
  await store.putRoom({ roomId: 'shut', visibility: 'public', closed: true })
  // synchronous=NORMAL: what a power loss may leave is the database file without its WAL
  // (everything since the last checkpoint), beside the log, which was synced at every commit.
  const disk = tempDir()
  t.teardown(() => fs.rmSync(disk, { recursive: true, force: true }))
  for (const f of [DB_FILE, LOG_FILE]) fs.copyFileSync(path.join(dir, f), path.join(disk, f))
  const logger = eventLogger()
  const after = await EmbeddedStore.open({ dir: disk, logger })
  t.ok((replayed(logger)[0] as number) > 0, 'the records the database lost were replayed')
  t.same(
    (await after.readPage('lobby', { limit: 100 })).messages.map((m) => m.seq),
    Array.from({ length: 40 }, (_, i) => i + 1),
    'every message once',
  )
  t.equal(await after.isGuildMember('g', 'alice'), true)
  t.equal(await after.getReadMarker('lobby', 'alice'), 30)
  t.same(await after.getRoom('shut'), { roomId: 'shut', visibility: 'public', closed: true })
  await after.append('lobby', 40, messages('lobby', 41, 1))
  await after.close()
  const logger2 = eventLogger()
  const again = await EmbeddedStore.open({ dir: disk, logger: logger2 })
  t.same(replayed(logger2), [], 'and never again')
  t.equal(await head(again), 41)
  await again.close()
})

t.test('the log is rotated past rotateLogBytes: old generations go, nothing is lost', async (t) => {
  const { dir, store, reopen } = await fresh(t, { rotateLogBytes: 2048 })
  for (let i = 0; i < 10; i++) await store.append('lobby', i * 10, messages('lobby', i * 10 + 1, 10))
  t.ok(store.generation > 3, `generation ${store.generation}`)
  t.same(
    fs.readdirSync(dir).filter((f) => f.endsWith('.log')),
    [logName(store.generation)],
    'one log file: the current generation',
  )
  t.equal(await head(store), 100)
  await store.close()
  const again = await reopen()
  t.equal(await head(again), 100)
  t.equal((await again.findByClientId('lobby', 'alice', 'c1'))?.seq, 1)
})

t.test('what a crash during a rotation leaves is settled on open', async (t) => {
  const { dir, store, reopen } = await fresh(t, { rotateLogBytes: 600 })
  for (let seq = 1; seq <= 5; seq++) await store.append('lobby', seq - 1, messages('lobby', seq, 1))
  const g = store.generation
  t.ok(g >= 2, `rotated (generation ${g})`)
  await store.close()
  const header = fs.readFileSync(path.join(dir, logName(g))).subarray(0, 8)
  // Before the database moved on: the next generation's file exists, header only.
  fs.writeFileSync(path.join(dir, logName(g + 1)), header)
  // After it moved on, before the old file went: an older generation, applied long ago.
  fs.writeFileSync(path.join(dir, logName(g - 1)), fs.readFileSync(path.join(dir, logName(g))))
  const s = await reopen()
  t.equal(await head(s), 5)
  t.same(
    fs.readdirSync(dir).filter((f) => f.endsWith('.log')),
    [logName(g)],
    'both are gone',
  )
  await s.close()
  fs.writeFileSync(path.join(dir, logName(g + 2)), fs.readFileSync(path.join(dir, logName(g))))
  await t.rejects(reopen(), /holds records past the database's log/, 'a newer file with records is refused')
})
