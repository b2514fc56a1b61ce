/**
 * Applies durable log records (records.ts) to the database: on open, the log's tail the
 * database has not applied yet; while running, each group commit once its log write is
 * durable. A group is one transaction that also moves the database's log position, so each
 * record is applied exactly once whatever a crash takes back.
 *
 * A record's answer is whether it changed anything (created a room, moved a marker, removed a
 * member), computed when it is applied, in commit order: a `create` after a `room` record of
 * the same group finds the room there, as it did in log order.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import { isGeneralRoom } from '../../../actors/store-rules.ts'
import { metaValue } from './database.ts'
import type { LogRecord } from './records.ts'
import { DeviceWriter } from './devices.ts'

export class Writer {
  readonly db: DatabaseSync
  readonly #insertMessage: StatementSync
  readonly #insertMarker: StatementSync
  readonly #raiseMarker: StatementSync
  readonly #roomExists: StatementSync
  readonly #putRoom: StatementSync
  readonly #createRoom: StatementSync
  readonly #closeRoom: StatementSync
  readonly #addRoomMember: StatementSync
  readonly #removeRoomMember: StatementSync
  readonly #addGuildMember: StatementSync
  readonly #removeGuildMember: StatementSync
  readonly #addUserRoom: StatementSync
  readonly #removeUserRoom: StatementSync
  readonly #pairExists: StatementSync
  readonly #addPair: StatementSync
  readonly #addConversation: StatementSync
  readonly #setMeta: StatementSync
  readonly #advanceEvents: StatementSync
  readonly #devices: DeviceWriter
  // Transaction control, prepared once: exec() would parse the SQL again for every group.
  readonly #begin: StatementSync
  readonly #commit: StatementSync
  readonly #savepoint: StatementSync
  readonly #release: StatementSync
  readonly #rollbackTo: StatementSync

  constructor(db: DatabaseSync) {
    this.db = db
    this.#insertMessage = db.prepare(
      'INSERT INTO messages (room, seq, id, sender, text, ts, client) VALUES (?, ?, ?, ?, ?, ?, ?)',
    )
    // Two statements, so that the creation of a marker is told from a move (it also indexes the room).
    this.#insertMarker = db.prepare('INSERT INTO markers (room, user, seq) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
    this.#raiseMarker = db.prepare('UPDATE markers SET seq = ? WHERE room = ? AND user = ? AND seq < ?')
    this.#roomExists = db.prepare('SELECT 1 FROM rooms WHERE room = ?')
    this.#putRoom = db.prepare(
      'INSERT INTO rooms (room, visibility, closed) VALUES (?, ?, 0) ON CONFLICT DO UPDATE SET visibility = excluded.visibility, closed = 0',
    )
    this.#createRoom = db.prepare('INSERT INTO rooms (room, visibility) VALUES (?, ?) ON CONFLICT DO NOTHING')
    this.#closeRoom = db.prepare('UPDATE rooms SET closed = 1 WHERE room = ? AND closed = 0')
    this.#addRoomMember = db.prepare('INSERT INTO room_members (room, user) VALUES (?, ?) ON CONFLICT DO NOTHING')
    this.#removeRoomMember = db.prepare('DELETE FROM room_members WHERE room = ? AND user = ?')
    this.#addGuildMember = db.prepare('INSERT INTO guild_members (guild, user) VALUES (?, ?) ON CONFLICT DO NOTHING')
    this.#removeGuildMember = db.prepare('DELETE FROM guild_members WHERE guild = ? AND user = ?')
    this.#addUserRoom = db.prepare('INSERT INTO user_rooms (user, room) VALUES (?, ?) ON CONFLICT DO NOTHING')
    this.#removeUserRoom = db.prepare('DELETE FROM user_rooms WHERE user = ? AND room = ?')
    this.#pairExists = db.prepare('SELECT 1 FROM pairs WHERE a = ? AND b = ?')
    this.#addPair = db.prepare('INSERT INTO pairs (a, b, room) VALUES (?, ?, ?)')
    this.#addConversation = db.prepare(
      `INSERT INTO rooms (room, visibility, closed, kind, members) VALUES (?, 'private', 0, 'conversation', ?)`,
    )
    this.#setMeta = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT DO UPDATE SET value = excluded.value',
    )
    this.#devices = new DeviceWriter(db)
    this.#advanceEvents = db.prepare(
      'INSERT INTO events_cursors (room, published) VALUES (?, ?) ON CONFLICT DO UPDATE SET published = excluded.published WHERE excluded.published > published',
    )
    this.#begin = db.prepare('BEGIN IMMEDIATE')
    this.#commit = db.prepare('COMMIT')
    this.#savepoint = db.prepare('SAVEPOINT grp')
    this.#release = db.prepare('RELEASE grp')
    this.#rollbackTo = db.prepare('ROLLBACK TO grp')
  }

  /** Where the database stands in the log: generation `gen` applied up to byte `applied`. */
  position(): LogPosition | undefined {
    const gen = metaValue(this.db, 'log_gen')
    const applied = metaValue(this.db, 'log_applied')
    return gen === undefined || applied === undefined ? undefined : { gen: Number(gen), applied: Number(applied) }
  }

  /** The size of the log store's `guildhall.log` this database imported, if it did. */
  importedBytes(): number | undefined {
    const v = metaValue(this.db, 'imported_log_bytes')
    return v === undefined ? undefined : Number(v)
  }

  /** Record the log position, inside the current transaction. */
  setPosition(p: LogPosition): void {
    this.#setMeta.run('log_gen', String(p.gen))
    this.#setMeta.run('log_applied', String(p.applied))
  }

  /** Apply one record inside the current transaction. Whether it changed anything. */
  apply(r: LogRecord): boolean {
    switch (r.t) {
      case 'append':
        for (const m of r.messages) this.#insertMessage.run(r.room, m.seq, m.id, m.senderId, m.text, m.ts, m.clientId)
        return true
      case 'read':
        if (changed(this.#insertMarker.run(r.room, r.user, r.seq))) {
          if (isGeneralRoom(r.room)) this.#addUserRoom.run(r.user, r.room)
          return true
        }
        return changed(this.#raiseMarker.run(r.seq, r.room, r.user, r.seq))
      case 'room': {
        const created = this.#roomExists.get(r.room) === undefined
        this.#putRoom.run(r.room, r.visibility)
        return created
      }
      case 'create':
        return changed(this.#createRoom.run(r.room, r.visibility))
      case 'close':
        return changed(this.#closeRoom.run(r.room))
      case 'member':
        if (isGeneralRoom(r.room)) {
          if (r.in) this.#addUserRoom.run(r.user, r.room)
          else this.#removeUserRoom.run(r.user, r.room)
        }
        return changed(r.in ? this.#addRoomMember.run(r.room, r.user) : this.#removeRoomMember.run(r.room, r.user))
      case 'guild':
        return changed(r.in ? this.#addGuildMember.run(r.guild, r.user) : this.#removeGuildMember.run(r.guild, r.user))
      case 'conversation':
        return this.#conversation(r.room, r.members)
      case 'events':
        return changed(this.#advanceEvents.run(r.room, r.seq))
      case 'device':
      case 'undevice':
      case 'claim':
      case 'unclaim':
        return this.#devices.apply(r)
    }
  }

  /** A conversation, unless its pair has a room or its id is taken (then nothing: `false`). */
  #conversation(room: string, members: string[]): boolean {
    const pair = members.length === 2 ? (members as [string, string]) : undefined
    if (pair && this.#pairExists.get(...pair) !== undefined) return false
    if (this.#roomExists.get(room) !== undefined) return false
    if (pair) this.#addPair.run(...pair, room)
    this.#addConversation.run(room, JSON.stringify(members))
    for (const user of members) {
      this.#addRoomMember.run(room, user)
      this.#addUserRoom.run(user, room)
    }
    return true
  }

  /**
   * Apply a group of durable log records inside the transaction already open (`BEGIN` first if
   * none): a savepoint, so a failure undoes the group and nothing else. The caller commits the
   * transaction when it chooses, with `commitApplied` and the position of the last group applied.
   */
  applyGroup(records: readonly LogRecord[]): boolean[] {
    if (!this.db.isTransaction) this.#begin.run()
    this.#savepoint.run()
    try {
      const answers = records.map((r) => this.apply(r))
      this.#release.run()
      return answers
    } catch (e) {
      this.#rollbackTo.run()
      this.#release.run()
      throw e
    }
  }

  /**
   * Commit the open transaction, if any, moving the log position to `at` in it: the position
   * is written once per transaction, not per group, and says exactly what the transaction holds.
   */
  commitApplied(at: LogPosition): void {
    if (!this.db.isOpen || !this.db.isTransaction) return
    this.setPosition(at)
    this.#commit.run()
  }

  /**
   * Apply a group of records durable in the log up to `at`, in one transaction with the new
   * position. Throws, with nothing of the group applied, if any of it fails.
   */
  commit(records: readonly LogRecord[], at: LogPosition, importedBytes?: number): boolean[] {
    this.db.exec('BEGIN IMMEDIATE')
    try {
      const answers = records.map((r) => this.apply(r))
      this.setPosition(at)
      if (importedBytes !== undefined) this.#setMeta.run('imported_log_bytes', String(importedBytes))
      this.db.exec('COMMIT')
      return answers
    } catch (e) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK')
      throw e
    }
  }
}

export interface LogPosition {
  /** The log file's generation (log-files.ts). */
  gen: number
  /** Bytes of it applied, header included: the next record to apply starts here. */
  applied: number
}

const changed = (r: { changes: number | bigint }): boolean => Number(r.changes) > 0
