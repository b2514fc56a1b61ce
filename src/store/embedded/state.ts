/**
 * The embedded store's in-memory index: everything in the log, applied record by record.
 * Reads are served from here; a record is applied only once it is durable, so readers never
 * see a message that a crash could take back. `apply` is the only way in, for replay and
 * live writes alike, so the two cannot drift apart.
 */
import { MemberIndex } from '../../../actors/member-index.ts'
import { checkAppend, clientKey, pageOf, snapshotOf } from '../../../actors/store-rules.ts'
import type { LoadOptions, Page, PageQuery, RoomRecord, RoomSnapshot, StoredMessage } from '../../../actors/store.ts'
import type { LogRecord } from './records.ts'

export { checkAppend }

interface RoomLog {
  /** `messages[i].seq === i + 1`: seqs have no gaps, so a seq is an index. */
  messages: StoredMessage[]
  /** `clientKey(senderId, clientId)` -> message. */
  byClient: Map<string, StoredMessage>
}

/** Messages per record when compaction rewrites a room. */
const SNAPSHOT_CHUNK = 500

/** A room or guild id (never holds NUL) and a user id; `split` takes it apart again. */
export const pair = (a: string, b: string): string => `${a}\u0000${b}`
const copy = (m: StoredMessage): StoredMessage => ({ ...m })

export class State {
  readonly logs = new Map<string, RoomLog>()
  readonly markers = new Map<string, number>()
  readonly rooms = new Map<string, RoomRecord>()
  readonly roomMembers = new MemberIndex()
  readonly guildMembers = new MemberIndex()
  /** Records applied: against `liveRecords()`, how much of the log compaction would save. */
  records = 0

  /** Apply a durable record. Returns whether it changed anything (created, removed, moved). */
  apply(r: LogRecord): boolean {
    this.records++
    switch (r.t) {
      case 'append': {
        const log = this.#log(r.room)
        for (const m of r.messages) {
          log.messages.push(m)
          log.byClient.set(clientKey(m.senderId, m.clientId), m)
        }
        return true
      }
      case 'read': {
        const k = pair(r.room, r.user)
        const old = this.markers.get(k)
        this.markers.set(k, Math.max(old ?? 0, r.seq))
        return r.seq > (old ?? 0)
      }
      case 'room': {
        const created = !this.rooms.has(r.room)
        this.rooms.set(r.room, { roomId: r.room, visibility: r.visibility })
        return created
      }
      case 'create': {
        if (this.rooms.has(r.room)) return false
        this.rooms.set(r.room, { roomId: r.room, visibility: r.visibility })
        return true
      }
      case 'close': {
        const room = this.rooms.get(r.room)
        if (!room || room.closed) return false
        room.closed = true
        return true
      }
      case 'member':
        return this.roomMembers.set(r.room, r.user, r.in)
      case 'guild':
        return this.guildMembers.set(r.guild, r.user, r.in)
    }
  }

  #log(roomId: string): RoomLog {
    let log = this.logs.get(roomId)
    if (!log) {
      log = { messages: [], byClient: new Map() }
      this.logs.set(roomId, log)
    }
    return log
  }

  head(roomId: string): number {
    return this.logs.get(roomId)?.messages.length ?? 0
  }

  /** `key` is `clientKey(senderId, clientId)`. */
  hasClientId(roomId: string, key: string): boolean {
    return this.logs.get(roomId)?.byClient.has(key) ?? false
  }

  findByClientId(roomId: string, senderId: string, clientId: string): StoredMessage | undefined {
    const m = this.logs.get(roomId)?.byClient.get(clientKey(senderId, clientId))
    return m && copy(m)
  }

  loadRoom(roomId: string, opts: LoadOptions): RoomSnapshot {
    return snapshotOf(this.logs.get(roomId)?.messages ?? [], opts)
  }

  readPage(roomId: string, query: PageQuery): Page {
    return pageOf(this.logs.get(roomId)?.messages ?? [], query)
  }

  /** How many records `snapshot()` yields. */
  liveRecords(): number {
    let n = this.rooms.size + this.markers.size + this.roomMembers.size + this.guildMembers.size
    for (const r of this.rooms.values()) if (r.closed) n++
    for (const log of this.logs.values()) n += Math.ceil(log.messages.length / SNAPSHOT_CHUNK)
    return n
  }

  /** Records that rebuild this state, for compaction: messages in chunks, then the rest. */
  *snapshot(chunk = SNAPSHOT_CHUNK): Generator<LogRecord> {
    for (const [room, log] of this.logs) {
      for (let i = 0; i < log.messages.length; i += chunk) {
        yield { t: 'append', room, messages: log.messages.slice(i, i + chunk) }
      }
    }
    for (const r of this.rooms.values()) {
      yield { t: 'room', room: r.roomId, visibility: r.visibility }
      if (r.closed) yield { t: 'close', room: r.roomId }
    }
    for (const [k, seq] of this.markers) yield { t: 'read', ...split('room', 'user', k), seq }
    for (const [room, user] of this.roomMembers.entries()) yield { t: 'member', room, user, in: true }
    for (const [guild, user] of this.guildMembers.entries()) yield { t: 'guild', guild, user, in: true }
  }
}

function split<A extends string, B extends string>(a: A, b: B, k: string): Record<A | B, string> {
  const i = k.indexOf('\u0000')
  return { [a]: k.slice(0, i), [b]: k.slice(i + 1) } as Record<A | B, string>
}
