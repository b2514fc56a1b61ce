/**
 * The embedded store: the Store port on one append-only log file in a data directory, for a
 * single node (`STORE=embedded`). Every write is one record, durable before its promise
 * resolves; the whole state is also kept in memory (state.ts) and every read is served from
 * there. docs/storage.md says what lives where and what it costs.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { silentLogger, type Logger } from '../../../actors/ports.ts'
import type {
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
import { clientKey } from '../../../actors/store-rules.ts'
import { compact, compactionPath } from './compact.ts'
import { encodeFrame } from './frame.ts'
import { lockDir, type DirLock } from './lock.ts'
import { LogFile, type LogOptions } from './log.ts'
import { decodeRecord, encodeRecord, type LogRecord } from './records.ts'
import { checkAppend, pair, State } from './state.ts'

export interface EmbeddedStoreOptions extends LogOptions {
  /** The data directory (`DATA_DIR`); created if missing. */
  dir: string
  logger?: Logger
  /**
   * Compact on open once the log holds at least this many redundant records (superseded read
   * markers, room updates, removed memberships) and more redundant than live ones.
   */
  compactAfter?: number
}

export const LOG_FILE = 'guildhall.log'

export class EmbeddedStore implements Store {
  /** Room -> head including batches written but not yet durable, and their idempotency keys:
   * the checks of a second append must see the first one before it lands. */
  #reservedHead = new Map<string, number>()
  #reservedKeys = new Set<string>()
  #closed = false

  private readonly state: State
  readonly log: LogFile
  private readonly lock: DirLock
  private constructor(
    state: State,
    /** The open log; tests read its stats. */
    log: LogFile,
    lock: DirLock,
  ) {
    this.state = state
    this.log = log
    this.lock = lock
  }

  static async open(opts: EmbeddedStoreOptions): Promise<EmbeddedStore> {
    const logger = opts.logger ?? silentLogger
    fs.mkdirSync(opts.dir, { recursive: true })
    const lock = lockDir(opts.dir)
    try {
      const file = path.join(opts.dir, LOG_FILE)
      fs.rmSync(compactionPath(file), { force: true })
      const state = new State()
      let { log, recovery } = await LogFile.open(file, (p) => state.apply(decodeRecord(p)), opts)
      if (recovery) logger.warn('store_recovered', { ...recovery })
      const live = state.liveRecords()
      const redundant = state.records - live
      if (redundant >= (opts.compactAfter ?? 100_000) && redundant > live) {
        await log.close()
        await compact(file, state)
        ;({ log } = await LogFile.open(file, () => {}, opts))
        logger.info('store_compacted', { records: state.records, live })
        state.records = live
      }
      return new EmbeddedStore(state, log, lock)
    } catch (e) {
      lock.release()
      throw e
    }
  }

  #usable(): void {
    if (this.#closed) throw new Error('store closed')
  }

  /** Write one record; once durable, apply it. Resolves to whether it changed anything. */
  async #write(record: LogRecord): Promise<boolean> {
    this.#usable()
    await this.log.append(encodeFrame(encodeRecord(record)))
    return this.state.apply(record)
  }

  async loadRoom(roomId: string, opts: LoadOptions): Promise<RoomSnapshot> {
    this.#usable()
    return this.state.loadRoom(roomId, opts)
  }

  async append(roomId: string, expectedSeq: number, batch: StoredMessage[]): Promise<void> {
    this.#usable()
    const head = this.#reservedHead.get(roomId) ?? this.state.head(roomId)
    const keys = (m: StoredMessage) => pair(roomId, clientKey(m.senderId, m.clientId))
    checkAppend(
      roomId,
      head,
      expectedSeq,
      batch,
      (k) => this.state.hasClientId(roomId, k) || this.#reservedKeys.has(pair(roomId, k)),
    )
    if (batch.length === 0) return
    const newHead = expectedSeq + batch.length
    this.#reservedHead.set(roomId, newHead)
    for (const m of batch) this.#reservedKeys.add(keys(m))
    try {
      await this.#write({ t: 'append', room: roomId, messages: batch.map((m) => ({ ...m })) })
    } finally {
      if (this.#reservedHead.get(roomId) === newHead) this.#reservedHead.delete(roomId)
      for (const m of batch) this.#reservedKeys.delete(keys(m))
    }
  }

  async readPage(roomId: string, query: PageQuery): Promise<Page> {
    this.#usable()
    return this.state.readPage(roomId, query)
  }

  async findByClientId(roomId: string, senderId: string, clientId: string): Promise<StoredMessage | undefined> {
    this.#usable()
    return this.state.findByClientId(roomId, senderId, clientId)
  }

  async getReadMarker(roomId: string, userId: string): Promise<number> {
    this.#usable()
    return this.state.markers.get(pair(roomId, userId)) ?? 0
  }

  async advanceReadMarker(roomId: string, userId: string, seq: number): Promise<number> {
    // Only a move forward is written: `read` frames are frequent and mostly repeat themselves.
    if (seq > (await this.getReadMarker(roomId, userId)))
      await this.#write({ t: 'read', room: roomId, user: userId, seq })
    return this.getReadMarker(roomId, userId)
  }

  async getRoom(roomId: string): Promise<RoomRecord | undefined> {
    this.#usable()
    const room = this.state.rooms.get(roomId)
    return room && { ...room }
  }

  async putRoom(room: RoomRecord): Promise<boolean> {
    const old = await this.getRoom(room.roomId)
    if (old?.visibility === room.visibility && old.closed === room.closed) return false
    const created = await this.#write({ t: 'room', room: room.roomId, visibility: room.visibility })
    if (room.closed) await this.#write({ t: 'close', room: room.roomId })
    return created
  }

  async createRoom(room: RoomRecord): Promise<boolean> {
    if (this.state.rooms.has(room.roomId)) return false
    // Checked again when applied, in log order: a record written meanwhile wins.
    return this.#write({ t: 'create', room: room.roomId, visibility: room.visibility })
  }

  async closeRoom(roomId: string): Promise<boolean> {
    const room = await this.getRoom(roomId)
    if (room && !room.closed) await this.#write({ t: 'close', room: roomId })
    return room !== undefined
  }

  async listRooms(): Promise<RoomRecord[]> {
    this.#usable()
    return [...this.state.rooms.values()].map((r) => ({ ...r }))
  }

  async isRoomMember(roomId: string, userId: string): Promise<boolean> {
    this.#usable()
    return this.state.roomMembers.has(roomId, userId)
  }

  async listRoomMembers(roomId: string, query: MemberQuery): Promise<MemberPage> {
    this.#usable()
    return this.state.roomMembers.page(roomId, query)
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
    return this.state.guildMembers.has(guildId, userId)
  }

  async listGuildMembers(guildId: string, query: MemberQuery): Promise<MemberPage> {
    this.#usable()
    return this.state.guildMembers.page(guildId, query)
  }

  async putGuildMember(guildId: string, userId: string): Promise<void> {
    if (!(await this.isGuildMember(guildId, userId)))
      await this.#write({ t: 'guild', guild: guildId, user: userId, in: true })
  }

  async deleteGuildMember(guildId: string, userId: string): Promise<boolean> {
    if (!(await this.isGuildMember(guildId, userId))) return false
    return this.#write({ t: 'guild', guild: guildId, user: userId, in: false })
  }

  /** Finish the writes already taken, then release the file and the directory lock. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    try {
      await this.log.close()
    } finally {
      this.lock.release()
    }
  }
}
