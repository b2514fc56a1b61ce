/**
 * The embedded store's index: a SQLite database (`node:sqlite`, built into Node 24 and Deno
 * 2) that every durable log record is applied to (writer.ts) and every read is served from
 * (reads.ts), through one connection on the main thread. Its schema and settings.
 *
 * Durability comes from the log (log.ts), not from here: a record is applied only after the
 * log made it durable, and the database records how far into the log it has applied, in the
 * same transaction. So `synchronous=NORMAL` in WAL mode is enough: a crash may take back the
 * last transactions (never corrupt the file), and the next open replays the log from the
 * offset the database still has. A commit costs no fsync; the WAL is synced at checkpoints.
 */
import { DatabaseSync } from 'node:sqlite'
import { DEVICE_TABLES } from './devices.ts'

export const DB_FILE = 'guildhall.db'
/**
 * Bump on any change of the tables below; an unknown version refuses to open. Version 2 (issue
 * 13): conversations (`rooms.kind`, `rooms.members`, `pairs`), the user's room index
 * (`user_rooms`) and guilds by user; opening a version-1 database upgrades it in place (UPGRADE_FROM_1).
 * Tables added later for issue 13 join SCHEMA with IF NOT EXISTS without a new version.
 */
export const SCHEMA_VERSION = 2

// WITHOUT ROWID: each table is one B-tree on its key, so a room's messages lie together in
// seq order (a page is one range scan) and markers/members are found by their key alone.
// TEXT keys compare with BINARY (memcmp of UTF-8), i.e. code point order, as DynamoDB sorts.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  room TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, sender TEXT NOT NULL,
  text TEXT NOT NULL, ts INTEGER NOT NULL, client TEXT NOT NULL,
  PRIMARY KEY (room, seq)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client ON messages (room, sender, client);
CREATE TABLE IF NOT EXISTS markers (room TEXT NOT NULL, user TEXT NOT NULL, seq INTEGER NOT NULL,
  PRIMARY KEY (room, user)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rooms (room TEXT PRIMARY KEY, visibility TEXT NOT NULL, closed INTEGER NOT NULL DEFAULT 0,
  kind TEXT, members TEXT) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS room_members (room TEXT NOT NULL, user TEXT NOT NULL, PRIMARY KEY (room, user)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS guild_members (guild TEXT NOT NULL, user TEXT NOT NULL, PRIMARY KEY (guild, user)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS guild_members_by_user ON guild_members (user, guild);
CREATE TABLE IF NOT EXISTS pairs (a TEXT NOT NULL, b TEXT NOT NULL, room TEXT NOT NULL, PRIMARY KEY (a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS user_rooms (user TEXT NOT NULL, room TEXT NOT NULL, PRIMARY KEY (user, room)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events_cursors (room TEXT PRIMARY KEY, published INTEGER NOT NULL) WITHOUT ROWID;
${DEVICE_TABLES}`

/**
 * Version 1 to 2, in the open's transaction: the rooms' new columns, then (after SCHEMA made
 * the new tables) the user's room index from what version 1 holds: private-room memberships
 * and read markers of general rooms (guild room ids start with `GUILD#`).
 */
const UPGRADE_FROM_1 = `ALTER TABLE rooms ADD COLUMN kind TEXT; ALTER TABLE rooms ADD COLUMN members TEXT;`
const INDEX_FROM_1 = `
INSERT OR IGNORE INTO user_rooms (user, room)
  SELECT user, room FROM room_members WHERE substr(room, 1, 6) <> 'GUILD#'
  UNION SELECT user, room FROM markers WHERE substr(room, 1, 6) <> 'GUILD#';
`

export interface ConnectionOptions {
  /** SQLite's page cache of this connection, in KiB (`PRAGMA cache_size = -N`). */
  cacheKiB: number
}

/** Open `file` (created if missing) with the store's settings; the schema is created or checked. */
export function openDatabase(file: string, opts: ConnectionOptions): DatabaseSync {
  const db = new DatabaseSync(file)
  try {
    // Another connection may hold the write lock for a moment (the writer's commit, a
    // checkpoint): wait for it rather than fail.
    db.exec('PRAGMA busy_timeout = 10000')
    db.exec('PRAGMA journal_mode = WAL')
    db.exec('PRAGMA synchronous = NORMAL')
    db.exec(`PRAGMA cache_size = ${-Math.max(64, Math.floor(opts.cacheKiB))}`)
    db.exec('BEGIN IMMEDIATE')
    db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID')
    const version = metaValue(db, 'schema')
    if (version !== undefined && version !== '1' && version !== String(SCHEMA_VERSION)) {
      throw new Error(`${file}: schema version ${version}, this server reads ${SCHEMA_VERSION} (a newer format?)`)
    }
    if (version === '1') db.exec(UPGRADE_FROM_1)
    db.exec(SCHEMA)
    if (version === '1') db.exec(INDEX_FROM_1)
    db.prepare(
      `INSERT INTO meta (key, value) VALUES ('schema', ?) ON CONFLICT DO UPDATE SET value = excluded.value`,
    ).run(String(SCHEMA_VERSION))
    db.exec('COMMIT')
    return db
  } catch (e) {
    if (db.isTransaction) db.exec('ROLLBACK')
    db.close()
    throw e
  }
}

export function metaValue(db: DatabaseSync, key: string): string | undefined {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value
}

/** Make every transaction committed so far durable in the database file (WAL synced, copied, synced). */
export function checkpoint(db: DatabaseSync): void {
  const r = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number }
  if (r.busy) throw new Error('checkpoint blocked by another connection')
}
