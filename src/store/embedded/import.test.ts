/**
 * A DATA_DIR written by the log store (before the database) keeps its history: the first
 * start replays its `guildhall.log` into the database as generation 0 of the log, then keeps
 * it as `guildhall.log.imported`. The fixture
 * test/contract/fixtures/guildhall-6ff23fb.log was written by that store's own code (commit
 * 6ff23fb): every record kind, two rooms, superseded markers and rooms, removed members.
 */
import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Logger } from '../../../actors/ports.ts'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { encodeFrame, MAGIC } from './frame.ts'
import { DB_FILE, EmbeddedStore, IMPORTED_LOG, LEGACY_LOG as LOG_FILE } from './index.ts'
import { encodeRecord } from './records.ts'

const fixture = fs.readFileSync(new URL('../../../test/contract/fixtures/guildhall-6ff23fb.log', import.meta.url))

/** Events logged, by name. */
function eventLogger(): Logger & { events: [string, Record<string, unknown> | undefined][] } {
  const events: [string, Record<string, unknown> | undefined][] = []
  const log = (event: string, fields?: Record<string, unknown>) => void events.push([event, fields])
  return { events, info: log, warn: log, error: log }
}

function dataDir(t: Test, log: Uint8Array = fixture): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guildhall-import-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  fs.writeFileSync(path.join(dir, LOG_FILE), log)
  return dir
}

/** Everything the fixture holds, as the log store answered it. */
async function checkFixture(t: Test, store: EmbeddedStore) {
  const lobby = await store.loadRoom('lobby', { recentLimit: 200, idempotencySince: 0 })
  t.equal(lobby.seq, 120)
  t.same(
    lobby.recent.map((m) => m.seq),
    Array.from({ length: 120 }, (_, i) => i + 1),
    'every message once, in seq order',
  )
  t.same(lobby.recent[1], {
    id: 'm-lobby-2',
    seq: 2,
    roomId: 'lobby',
    senderId: 'bob',
    text: 'hello 2 ✓ xx',
    ts: 1_700_000_000_020,
    clientId: 'c2',
  })
  t.equal((await store.findByClientId('GUILD#g', 'carol', 'c2'))?.seq, 2)
  t.equal(await store.getReadMarker('lobby', 'alice'), 50, 'the last of three marker moves')
  t.equal(await store.getReadMarker('GUILD#g', 'carol'), 2)
  t.same(await store.listRooms(), [
    { roomId: 'auto', visibility: 'public' },
    { roomId: 'lobby', visibility: 'public' },
    { roomId: 'secret', visibility: 'private' },
    { roomId: 'shut', visibility: 'public', closed: true },
  ])
  t.same(await store.listRoomMembers('secret', { limit: 10 }), { members: ['carol'] })
  t.same(await store.listGuildMembers('g', { limit: 10 }), { members: ['amy', 'zed'] })
}

t.test('a log written by the log store is imported on first start and kept, renamed', async (t) => {
  const dir = dataDir(t)
  const logger = eventLogger()
  const store = await EmbeddedStore.open({ dir, logger })
  await checkFixture(t, store)
  t.notOk(fs.existsSync(path.join(dir, LOG_FILE)), 'the log is no longer where a start looks for it')
  t.same(fs.readFileSync(path.join(dir, IMPORTED_LOG)), fixture, 'kept whole, renamed')
  t.match(logger.events, [['store_replayed', { log: LOG_FILE, records: 22 }]])
  await store.append('lobby', 120, [{ ...lobby121 }])
  await store.close()

  const again = await EmbeddedStore.open({ dir, logger })
  t.equal((await again.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq, 121, 'imported once')
  await again.close()
})

const lobby121 = {
  id: 'm-121',
  seq: 121,
  roomId: 'lobby',
  senderId: 'alice',
  text: 'after',
  ts: 1_700_000_001_210,
  clientId: 'c121',
}

t.test('a torn tail of the log is cut off and kept, as the log store did on open', async (t) => {
  const torn = encodeFrame(encodeRecord({ t: 'append', room: 'lobby', messages: [lobby121] }))
  const dir = dataDir(t, Buffer.concat([fixture, torn.subarray(0, torn.length - 3)]))
  const store = await EmbeddedStore.open({ dir })
  await checkFixture(t, store)
  t.ok(fs.existsSync(path.join(dir, `${LOG_FILE}.discarded-${fixture.length}`)))
  await store.close()
})

t.test('a server killed in the middle of an import: the next start carries on, nothing twice', async (t) => {
  // A log long enough to take a while: 400 records of 100 messages over 40 rooms.
  const parts: Uint8Array[] = [MAGIC]
  const msg = (room: string, seq: number) => ({
    ...lobby121,
    id: `m-${room}-${seq}`,
    seq,
    roomId: room,
    clientId: `c${seq}`,
    text: 'y'.repeat(150),
  })
  for (let from = 1; from <= 1000; from += 100) {
    for (let r = 0; r < 40; r++) {
      const room = `r${r}`
      parts.push(
        encodeFrame(
          encodeRecord({ t: 'append', room, messages: Array.from({ length: 100 }, (_, i) => msg(room, from + i)) }),
        ),
      )
    }
  }
  const dir = dataDir(t, Buffer.concat(parts))
  const child = spawn(
    fileURLToPath(new URL('../../../node_modules/.bin/node', import.meta.url)),
    [
      '--input-type=module',
      '-e',
      `import { EmbeddedStore } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)}; await EmbeddedStore.open({ dir: ${JSON.stringify(dir)} })`,
    ],
    { stdio: 'inherit' },
  )
  const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)))
  // Kill it once the import has written a few MB to the database's WAL: well into it.
  const wal = path.join(dir, `${DB_FILE}-wal`)
  while (!(fs.existsSync(wal) && fs.statSync(wal).size > 2 * 2 ** 20)) await new Promise((r) => setTimeout(r, 2))
  child.kill('SIGKILL')
  t.equal(await exited, 'SIGKILL')
  t.ok(fs.existsSync(path.join(dir, LOG_FILE)), 'killed before the import finished')
  const logger = eventLogger()
  const store = await EmbeddedStore.open({ dir, logger })
  for (let r = 0; r < 40; r++) {
    const page = await store.readPage(`r${r}`, { after: 0, limit: 2000 })
    t.equal(page.messages.length, 1000, `r${r}: every message`)
    t.ok(
      page.messages.every((m, i) => m.seq === i + 1),
      'once each, in order',
    )
  }
  t.ok(fs.existsSync(path.join(dir, IMPORTED_LOG)), 'then kept, renamed')
  await store.close()
})

t.test('a crash after the import, before the log was renamed: the log is renamed then', async (t) => {
  const dir = dataDir(t)
  await (await EmbeddedStore.open({ dir })).close()
  fs.renameSync(path.join(dir, IMPORTED_LOG), path.join(dir, LOG_FILE))
  const logger = eventLogger()
  const store = await EmbeddedStore.open({ dir, logger })
  await checkFixture(t, store)
  t.same(logger.events, [], 'not imported again')
  t.notOk(fs.existsSync(path.join(dir, LOG_FILE)))
  t.ok(fs.existsSync(path.join(dir, IMPORTED_LOG)))
  await store.close()
})

t.test('a log beside a database it was not imported into is refused, naming what to do', async (t) => {
  const dir = dataDir(t)
  await (await EmbeddedStore.open({ dir })).close()
  fs.writeFileSync(path.join(dir, LOG_FILE), fixture.subarray(0, 100))
  await t.rejects(
    EmbeddedStore.open({ dir }),
    new RegExp(
      `holds a ${LOG_FILE} .* that its database did not import: move ${LOG_FILE} out of .* or move ${DB_FILE}\\* out`,
    ),
  )
  fs.renameSync(path.join(dir, LOG_FILE), path.join(dir, 'elsewhere.log'))
  const store = await EmbeddedStore.open({ dir })
  await checkFixture(t, store)
  t.pass('once the log is moved out, the database opens (the refusal released the lock)')
  await store.close()
})
