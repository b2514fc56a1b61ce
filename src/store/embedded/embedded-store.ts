/**
 * The embedded store: the Store port on a write-ahead log and a SQLite index in a data
 * directory, for a single node (`STORE=embedded`). Every write is one log record, durable
 * (written and fdatasynced, group commit across rooms) before its promise resolves; the
 * group is then applied to the database (writer.ts), which every read is served from, from
 * disk through SQLite's bounded page cache (reads.ts). So neither memory nor start-up grows
 * with history: an open replays only the log the database has not applied yet.
 * docs/storage.md says what lives where, what it costs, and why this design.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { DatabaseSync } from 'node:sqlite'
import { type Logger, silentLogger } from '../../../actors/ports.ts'
import type {
  ConversationAnswer,
  IdPage,
  NewConversation,
  RoomHead,
  LoadOptions,
  MemberPage,
  MemberQuery,
  Page,
  PageQuery,
  RoomRecord,
  RoomSnapshot,
  Store,
  StoredMessage,
} from '../../../actors/store.ts'
import { checkAppend, clientKey, conversationRecord } from '../../../actors/store-rules.ts'
import { checkpoint, DB_FILE, openDatabase } from './database.ts'
import { encodeFrame, HEADER_BYTES } from './frame.ts'
import { GroupCommit } from './group-commit.ts'
import { HeadCache } from './heads.ts'
import { type DirLock, lockDir } from './lock.ts'
import { concat, LogFile, type LogOptions } from './log.ts'
import { firstGeneration, logName, settleLogs } from './log-files.ts'
import { Reads } from './reads.ts'
import { decodeRecord, encodeRecord, type LogRecord } from './records.ts'
import { type LogPosition, Writer } from './writer.ts'
import { DeviceReads } from './devices.ts'
import { deviceRules, toEvict, type DeviceRules, type DeviceStoreOptions } from '../../notifier/device-rules.ts'
import type { Device, DeviceStore, PutDeviceAnswer } from '../../notifier/ports.ts'

/**
 * SQLite page cache, in KiB: the hot pages of reads and appends, memory outside the JS heap,
 * filled as pages are touched. An append dirties about two pages of its room (the messages'
 * leaf and the idempotency index's), so 64 MiB keeps about 8,000 active rooms' pages hot; with
 * 2,000 rooms sending (bench "rooms"), 16 MiB cost 1.3x the log store's CPU per delivery in
 * one run, 64 MiB 1.04x to 1.19x in three (reads that miss the cache are a pread each).
 */
export const DEFAULT_CACHE_KIB = 64 * 1024
/** The log is rotated (the database checkpointed, a new file started) past this many bytes. */
export const DEFAULT_ROTATE_LOG_BYTES = 64 * 1024 * 1024
/** Groups applied to the database go into one transaction committed at most this long after
 * the first of them: a page touched by many groups is written to the WAL once. */
export const DEFAULT_APPLY_COMMIT_MS = 100
/**
 * Rooms whose head (seq and ts of the last message) is kept in memory, the most recently used:
 * an append checks its expected seq against it instead of querying the database. About 200 B
 * each with a 24-character room id (measured), so 10,000 rooms are about 2 MB; a room not in it costs one query.
 */
export const DEFAULT_HEAD_CACHE_ROOMS = 10_000
/** Log records applied per transaction when an open replays the log (an import included). */
const REPLAY_CHUNK = 1000
/**
 * At most this many records in the database's open transaction while running (it bounds the
 * transaction, not the memory: dirty pages past the cache go to the WAL). Generous, so that
 * `applyCommitMs` decides: committing every 1,000 records instead cost 25% of the throughput
 * with 100 rooms writing (each commit rewrites every page it dirtied) and tripled the event
 * loop's p99 delay.
 */
const APPLY_COMMIT_RECORDS = 20_000

export interface EmbeddedStoreOptions extends LogOptions {
  /** The data directory (`DATA_DIR`); created if missing. */
  dir: string
  logger?: Logger
  /** SQLite's page cache, KiB (default `DEFAULT_CACHE_KIB`, 64 MiB). */
  cacheKiB?: number
  /** Rotate the log past this size (default `DEFAULT_ROTATE_LOG_BYTES`, 64 MiB). */
  rotateLogBytes?: number
  /** Commit applied groups to the database at most this many ms after the first (default 100). */
  applyCommitMs?: number
  /** Heads of this many rooms kept in memory (default `DEFAULT_HEAD_CACHE_ROOMS`, 10,000). */
  headCacheRooms?: number
  /** The per-user device cap and the push claims' retention (src/notifier/device-rules.ts). */
  devices?: DeviceStoreOptions
  /** The time of device registrations and push claims (ms); injectable so tests need no timers. */
  now?: () => number
}

/** A room or guild id (never holds NUL) and a client key. */
const pair = (a: string, b: string): string => `${a}\u0000${b}`

export class EmbeddedStore implements Store, DeviceStore {
  /** Room -> head including batches written but not yet durable, and their idempotency keys:
   * the checks of a second append must see the first one before it lands. */
  #reservedHead = new Map<string, number>()
  #reservedKeys = new Set<string>()
  #closed = false
  readonly #writes = new GroupCommit((records) => this.#commit(records))

  readonly #dir: string
  readonly #opts: EmbeddedStoreOptions
  readonly #db: DatabaseSync
  readonly #writer: Writer
  readonly #reads: Reads
  readonly #deviceReads: DeviceReads
  readonly #deviceRules: DeviceRules
  readonly #now: () => number
  readonly #heads: HeadCache
  readonly #lock: DirLock
  #gen: number
  /** The open log generation; tests read its size and file. */
  log: LogFile
  /** Records applied in the database's open transaction, the log position of the last group
   * applied, and the timer that commits it. */
  #uncommitted = 0
  #applied: LogPosition | undefined
  #commitTimer: ReturnType<typeof setTimeout> | undefined
  /** A database commit failed: what the log holds is not all in the database (until a restart). */
  #dbFailed: Error | undefined

  private constructor(opts: EmbeddedStoreOptions, db: DatabaseSync, lock: DirLock, gen: number, log: LogFile) {
    this.#dir = opts.dir
    this.#opts = opts
    this.#db = db
    this.#writer = new Writer(db)
    this.#heads = new HeadCache(opts.headCacheRooms ?? DEFAULT_HEAD_CACHE_ROOMS)
    this.#reads = new Reads(db, this.#heads)
    this.#deviceReads = new DeviceReads(db)
    this.#deviceRules = deviceRules(opts.devices)
    this.#now = opts.now ?? Date.now
    this.#lock = lock
    this.#gen = gen
    this.log = log
  }

  static async open(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const logger = opts.logger ?? silentLogger
    fs.mkdirSync(opts.dir, { recursive: true })
    const lock = lockDir(opts.dir)
    let db: DatabaseSync | undefined
    let log: LogFile | undefined
    try {
      db = openDatabase(path.join(opts.dir, DB_FILE), { cacheKiB: opts.cacheKiB ?? DEFAULT_CACHE_KIB })
      const writer = new Writer(db)
      const position = writer.position() ?? { gen: firstGeneration(opts.dir), applied: HEADER_BYTES }
      settleLogs(opts.dir, position.gen, writer.importedBytes())
      // Replay what the database has not applied, in chunks: each one transaction that also
      // moves the position, so a crash in the middle (of an import too) resumes from there.
      let pending: LogRecord[] = []
      let at = position.applied
      let replayed = 0
      const apply = () => {
        writer.commit(pending, { gen: position.gen, applied: at })
        replayed += pending.length
        pending = []
      }
      const opened = await LogFile.open(
        path.join(opts.dir, logName(position.gen)),
        position.applied,
        (payload, end) => {
          pending.push(decodeRecord(payload))
          at = end
          if (pending.length >= REPLAY_CHUNK) apply()
        },
        opts,
      )
      log = opened.log
      apply()
      if (opened.recovery) logger.warn('store_recovered', { ...opened.recovery })
      if (replayed > 0) logger.info('store_replayed', { log: logName(position.gen), records: replayed })
      const store = new EmbeddedStore(opts, db, lock, position.gen, log)
      // An imported log store's file is kept aside at once (renamed); any other log once it is long.
      if (position.gen === 0 || log.bytes >= (opts.rotateLogBytes ?? DEFAULT_ROTATE_LOG_BYTES)) await store.#rotate()
      return store
    } catch (e) {
      await log?.close()
      db?.close()
      lock.release()
      throw e
    }
  }

  /**
   * One group commit: the records' frames in one log write and sync, then applied to the
   * database, in its open transaction (committed within `applyCommitMs`: the log already made
   * the group durable, and this connection's reads see its own transaction).
   */
  async #commit(records: LogRecord[]): Promise<boolean[]> {
    if (this.#dbFailed) throw this.#dbFailed
    if (this.log.bytes >= (this.#opts.rotateLogBytes ?? DEFAULT_ROTATE_LOG_BYTES)) await this.#rotate()
    await this.log.write(concat(records.map((r) => encodeFrame(encodeRecord(r)))))
    const answers = this.#writer.applyGroup(records)
    this.#applied = { gen: this.#gen, applied: this.log.bytes }
    for (const r of records) {
      const last = r.t === 'append' && r.messages.at(-1)
      if (last) this.#heads.set(r.room, { seq: last.seq, ts: last.ts })
    }
    this.#uncommitted += records.length
    if (this.#uncommitted >= APPLY_COMMIT_RECORDS) this.#commitDatabase()
    else
      this.#commitTimer ??= setTimeout(
        () => this.#commitDatabase(),
        this.#opts.applyCommitMs ?? DEFAULT_APPLY_COMMIT_MS,
      )
    return answers
  }

  /** Commit the database's open transaction (no fsync: `synchronous=NORMAL`). */
  #commitDatabase(): void {
    clearTimeout(this.#commitTimer)
    this.#commitTimer = undefined
    this.#uncommitted = 0
    try {
      if (this.#applied) this.#writer.commitApplied(this.#applied)
    } catch (cause) {
      // The log has these groups; the restart applies them again. Until then, no more writes
      // (and no heads from memory: the database may have lost what they were set from).
      this.#dbFailed ??= new Error('database commit failed; reopen the store', { cause })
      this.#heads.clear()
    }
  }

  /**
   * Start the next log generation, between two group commits. The database is checkpointed
   * first (it then holds everything the old log does, durably), the new file created and
   * synced, and the database moved to it (checkpointed again) before the old file goes: a
   * crash at any point leaves a database and a log that agree (log-files.ts settles the rest).
   */
  async #rotate(): Promise<void> {
    this.#commitDatabase()
    if (this.#dbFailed) throw this.#dbFailed
    checkpoint(this.#db)
    const next: LogPosition = { gen: this.#gen + 1, applied: HEADER_BYTES }
    const { log } = await LogFile.open(path.join(this.#dir, logName(next.gen)), HEADER_BYTES, () => {}, this.#opts)
    try {
      // Moving on from an imported log store's file: say so, so that the file can be told
      // from one put beside the database later (log-files.ts).
      this.#writer.commit([], next, this.#gen === 0 ? this.log.bytes : undefined)
      checkpoint(this.#db)
    } catch (e) {
      await log.close()
      throw e
    }
    const old = this.log
    this.log = log
    this.#gen = next.gen
    await old.close()
    settleLogs(this.#dir, next.gen, this.#writer.importedBytes())
  }

  /** Group commits so far: one log write and sync, one transaction each (tests count them). */
  get commits(): number {
    return this.#writes.commits
  }

  /** Room heads read from the database rather than from memory (tests). */
  get headQueries(): number {
    return this.#reads.headQueries
  }

  /** The log generation in use (tests). */
  get generation(): number {
    return this.#gen
  }

  #usable(): void {
    if (this.#closed) throw new Error('store closed')
  }

  /** Write one record; resolves, once it is durable, with whether it changed anything. */
  async #write(record: LogRecord): Promise<boolean> {
    this.#usable()
    return this.#writes.write(record)
  }

  async loadRoom(roomId: string, opts: LoadOptions): Promise<RoomSnapshot> {
    this.#usable()
    return this.#reads.loadRoom(roomId, opts)
  }

  async append(roomId: string, expectedSeq: number, batch: StoredMessage[]): Promise<void> {
    this.#usable()
    const head = this.#reservedHead.get(roomId) ?? this.#reads.last(roomId).seq
    const keyOf = (m: StoredMessage) => pair(roomId, clientKey(m.senderId, m.clientId))
    const byKey = new Map(batch.map((m) => [clientKey(m.senderId, m.clientId), m]))
    checkAppend(roomId, head, expectedSeq, batch, (k) => {
      const m = byKey.get(k)!
      return this.#reservedKeys.has(pair(roomId, k)) || this.#reads.hasClientId(roomId, m.senderId, m.clientId)
    })
    if (batch.length === 0) return
    const newHead = expectedSeq + batch.length
    this.#reservedHead.set(roomId, newHead)
    for (const m of batch) this.#reservedKeys.add(keyOf(m))
    try {
      await this.#write({ t: 'append', room: roomId, messages: batch.map((m) => ({ ...m })) })
    } finally {
      if (this.#reservedHead.get(roomId) === newHead) this.#reservedHead.delete(roomId)
      for (const m of batch) this.#reservedKeys.delete(keyOf(m))
    }
  }

  async readPage(roomId: string, query: PageQuery): Promise<Page> {
    this.#usable()
    return this.#reads.readPage(roomId, query)
  }

  async findByClientId(roomId: string, senderId: string, clientId: string): Promise<StoredMessage | undefined> {
    this.#usable()
    return this.#reads.findByClientId(roomId, senderId, clientId)
  }

  async getReadMarker(roomId: string, userId: string): Promise<number> {
    this.#usable()
    return this.#reads.marker(roomId, userId)
  }

  async advanceReadMarker(roomId: string, userId: string, seq: number): Promise<number> {
    // Only a move forward is written: `read` frames are frequent and mostly repeat themselves.
    if (seq > (await this.getReadMarker(roomId, userId)))
      await this.#write({ t: 'read', room: roomId, user: userId, seq })
    return this.getReadMarker(roomId, userId)
  }

  async getEventsCursor(roomId: string): Promise<number> {
    this.#usable()
    return this.#reads.eventsCursor(roomId)
  }

  async advanceEventsCursor(roomId: string, seq: number): Promise<void> {
    // Written only when it moves forward, like a read marker.
    if (seq > (await this.getEventsCursor(roomId))) await this.#write({ t: 'events', room: roomId, seq })
  }

  async getRoom(roomId: string): Promise<RoomRecord | undefined> {
    this.#usable()
    return this.#reads.room(roomId)
  }

  async putRoom(room: RoomRecord): Promise<boolean> {
    const old = await this.getRoom(room.roomId)
    if (old?.visibility === room.visibility && old.closed === room.closed) return false
    // Queued together, so they go out in one group commit, in this order.
    const [created] = await Promise.all([
      this.#write({ t: 'room', room: room.roomId, visibility: room.visibility }),
      room.closed && this.#write({ t: 'close', room: room.roomId }),
    ])
    return created
  }

  async createRoom(room: RoomRecord): Promise<boolean> {
    if (await this.getRoom(room.roomId)) return false
    // Checked again when applied, in commit order: a record written meanwhile wins.
    return this.#write({ t: 'create', room: room.roomId, visibility: room.visibility })
  }

  async closeRoom(roomId: string): Promise<boolean> {
    const room = await this.getRoom(roomId)
    if (room && !room.closed) await this.#write({ t: 'close', room: roomId })
    return room !== undefined
  }

  async listRooms(): Promise<RoomRecord[]> {
    this.#usable()
    return this.#reads.rooms()
  }

  async isRoomMember(roomId: string, userId: string): Promise<boolean> {
    this.#usable()
    return this.#reads.isRoomMember(roomId, userId)
  }

  async listRoomMembers(roomId: string, query: MemberQuery): Promise<MemberPage> {
    this.#usable()
    return this.#reads.roomMembers(roomId, query)
  }

  async putRoomMember(roomId: string, userId: string): Promise<void> {
    if (!(await this.isRoomMember(roomId, userId)))
      await this.#write({ t: 'member', room: roomId, user: userId, in: true })
  }

  async deleteRoomMember(roomId: string, userId: string): Promise<boolean> {
    if (!(await this.isRoomMember(roomId, userId))) return false
    return this.#write({ t: 'member', room: roomId, user: userId, in: false })
  }

  async isGuildMember(guildId: string, userId: string): Promise<boolean> {
    this.#usable()
    return this.#reads.isGuildMember(guildId, userId)
  }

  async listGuildMembers(guildId: string, query: MemberQuery): Promise<MemberPage> {
    this.#usable()
    return this.#reads.guildMembers(guildId, query)
  }

  async putGuildMember(guildId: string, userId: string): Promise<void> {
    if (!(await this.isGuildMember(guildId, userId)))
      await this.#write({ t: 'guild', guild: guildId, user: userId, in: true })
  }

  async deleteGuildMember(guildId: string, userId: string): Promise<boolean> {
    if (!(await this.isGuildMember(guildId, userId))) return false
    return this.#write({ t: 'guild', guild: guildId, user: userId, in: false })
  }

  async createConversation(conversation: NewConversation): Promise<ConversationAnswer> {
    this.#usable()
    const { roomId, members } = conversationRecord(conversation.roomId, conversation.members)
    const pair = members!.length === 2 ? (members as [string, string]) : undefined
    const existing = pair && this.#reads.pair(...pair)
    if (existing !== undefined) return { roomId: existing, created: false }
    // One record: room, members, pair and index entries together. Checked again when applied,
    // in log order: of two creations of a pair, the second finds the first's room.
    if (await this.#write({ t: 'conversation', room: roomId, members: members! })) return { roomId, created: true }
    const winner = pair && this.#reads.pair(...pair)
    if (winner !== undefined) return { roomId: winner, created: false }
    throw new Error(`room ${roomId} already exists`)
  }

  async listUserRooms(userId: string, query: MemberQuery): Promise<IdPage> {
    this.#usable()
    return this.#reads.userRooms(userId, query)
  }

  async listUserGuilds(userId: string, query: MemberQuery): Promise<IdPage> {
    this.#usable()
    return this.#reads.userGuilds(userId, query)
  }

  async roomHeads(roomIds: readonly string[]): Promise<Map<string, RoomHead>> {
    this.#usable()
    return collect(roomIds, (roomId) => this.#reads.head(roomId))
  }

  async roomRecords(roomIds: readonly string[]): Promise<Map<string, RoomRecord>> {
    this.#usable()
    return collect(roomIds, (roomId) => this.#reads.room(roomId))
  }

  async lastMessages(heads: ReadonlyMap<string, RoomHead>): Promise<Map<string, StoredMessage>> {
    this.#usable()
    return collect([...heads.keys()], (roomId) => this.#reads.messageAt(roomId, heads.get(roomId)!.seq))
  }

  async readMarkersOf(userId: string, roomIds: readonly string[]): Promise<Map<string, number>> {
    this.#usable()
    return collect(roomIds, (roomId) => this.#reads.markerOrNone(roomId, userId))
  }

  async membershipsOf(userId: string, roomIds: readonly string[]): Promise<Set<string>> {
    this.#usable()
    return new Set(roomIds.filter((roomId) => this.#reads.isRoomMember(roomId, userId)))
  }

  // Devices and push claims (DeviceStore, src/notifier/ports.ts): records and tables in devices.ts.
  async putDevice(userId: string, device: Device): Promise<PutDeviceAnswer> {
    this.#usable()
    const max = this.#deviceRules.maxDevicesPerUser
    // The answer is read before the write; the record itself moves the token and keeps the cap
    // when applied, in log order, so racing registrations still end within it.
    const holder = this.#deviceReads.holders(device).find((h) => !(h.user === userId && h.device === device.deviceId))
    const mine = this.#deviceReads
      .devices(userId)
      .filter((r) => !(holder?.user === userId && r.device.deviceId === holder.device))
      .map((r) => ({ deviceId: r.device.deviceId, at: r.at }))
    const evicted = toEvict(mine, device.deviceId, max)
    await this.#write({ t: 'device', user: userId, device, at: this.#now(), max })
    const movedFrom = holder && holder.user !== userId ? { userId: holder.user, deviceId: holder.device } : undefined
    return { evicted, ...(movedFrom && { movedFrom }) }
  }

  async deleteDevice(userId: string, deviceId: string): Promise<void> {
    this.#usable()
    if (this.#deviceReads.devices(userId).some((r) => r.device.deviceId === deviceId))
      await this.#write({ t: 'undevice', user: userId, device: deviceId })
  }

  async listDevices(userId: string): Promise<Device[]> {
    this.#usable()
    return this.#deviceReads.devices(userId).map((r) => r.device)
  }

  async claimPush(messageId: string, userId: string, deviceId: string): Promise<boolean> {
    const at = this.#now()
    const expires = at + this.#deviceRules.pushClaimTtlSeconds * 1000
    return this.#write({ t: 'claim', message: messageId, user: userId, device: deviceId, at, expires })
  }

  async releasePush(messageId: string, userId: string, deviceId: string): Promise<void> {
    await this.#write({ t: 'unclaim', message: messageId, user: userId, device: deviceId })
  }

  /** Finish the writes already taken, then close both connections and release the directory lock. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      await this.#writes.close()
      await this.log.close()
      this.#commitDatabase()
      // The last connection's close checkpoints the WAL: the next open replays nothing.
      this.#db.close()
    } finally {
      this.#lock.release()
    }
  }
}

/** The rooms that have a value, each once. */
function collect<T>(roomIds: readonly string[], read: (roomId: string) => T | undefined): Map<string, T> {
  const found = new Map<string, T>()
  for (const roomId of roomIds) {
    if (found.has(roomId)) continue
    const value = read(roomId)
    if (value !== undefined) found.set(roomId, value)
  }
  return found
}
