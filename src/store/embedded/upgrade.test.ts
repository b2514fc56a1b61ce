/**
 * Opening a schema-1 database upgrades it in place to schema 2 (database.ts): the fixture
 * test/contract/fixtures/embedded-v1-e2084b3/ is a DATA_DIR written by the embedded store's
 * own code at commit e2084b3 (schema 1): three general rooms (one private with a removed
 * member, one closed), markers in a general and a guild room, guild memberships (one removed).
 */
import t, { type Test } from 'tap'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { DB_FILE, EmbeddedStore } from './index.ts'

const fixture = new URL('../../../test/contract/fixtures/embedded-v1-e2084b3/', import.meta.url)

/** A copy of the fixture's DATA_DIR, removed after the test. */
function dataDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'guildhall-upgrade-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  for (const file of fs.readdirSync(fixture)) fs.copyFileSync(new URL(file, fixture), path.join(dir, file))
  return dir
}

function schemaOf(dir: string): string {
  const db = new DatabaseSync(path.join(dir, DB_FILE))
  try {
    return (db.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get() as { value: string }).value
  } finally {
    db.close()
  }
}

t.test('a schema-1 database is upgraded in place and keeps everything', async (t) => {
  const dir = dataDir(t)
  t.equal(schemaOf(dir), '1', 'the fixture is schema 1')
  const store = await EmbeddedStore.open({ dir })
  t.teardown(() => store.close())

  t.equal((await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq, 3, 'history kept')
  t.same(await store.getRoom('secret'), { roomId: 'secret', visibility: 'private' }, 'rooms kept, no kind')
  t.same(await store.getRoom('shut'), { roomId: 'shut', visibility: 'public', closed: true })
  t.equal(await store.isRoomMember('secret', 'alice'), true)
  t.equal(await store.isRoomMember('secret', 'bob'), false)
  t.equal(await store.getReadMarker('lobby', 'carol'), 3)

  t.same(
    await store.listUserRooms('alice', { limit: 10 }),
    { ids: ['lobby', 'secret'] },
    'the index built from memberships and general-room markers',
  )
  t.same(await store.listUserRooms('carol', { limit: 10 }), { ids: ['lobby'] })
  t.same(await store.listUserRooms('bob', { limit: 10 }), { ids: [] }, 'a removed member is not indexed')
  t.same(await store.listUserGuilds('alice', { limit: 10 }), { ids: ['g', 'h'] })
  t.same(await store.listUserGuilds('bob', { limit: 10 }), { ids: ['g'] })
  t.same(
    await store.roomHeads(['lobby']),
    new Map([['lobby', { seq: 3, lastTs: 1_700_000_000_030, lastId: 'm-lobby-3' }]]),
  )

  t.same(await store.createConversation({ roomId: 'c1', members: ['alice', 'bob'] }), { roomId: 'c1', created: true })
  await store.close()
  t.equal(schemaOf(dir), '2', 'now schema 2')

  const again = await EmbeddedStore.open({ dir })
  t.same(
    await again.listUserRooms('alice', { limit: 10 }),
    { ids: ['c1', 'lobby', 'secret'] },
    'a second open changes nothing',
  )
  t.same(await again.createConversation({ roomId: 'c2', members: ['bob', 'alice'] }), { roomId: 'c1', created: false })
  await again.close()
})

t.test('a newer schema than this server reads refuses to open, naming both versions', async (t) => {
  const dir = dataDir(t)
  const db = new DatabaseSync(path.join(dir, DB_FILE))
  db.prepare(`UPDATE meta SET value = '3' WHERE key = 'schema'`).run()
  db.close()
  await t.rejects(EmbeddedStore.open({ dir }), /schema version 3, this server reads 2/)
  t.equal(schemaOf(dir), '3', 'left as it was')
})
