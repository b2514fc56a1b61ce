/**
 * The embedded store's in-memory index: everything in the log, applied record by record.
 * Reads are served from here; a record is applied only once it is durable, so readers never
 * see a message that a crash could take back. `apply` is the only way in, for replay and
 * live writes alike, so the two cannot drift apart.
 */
import {
  DuplicateMessageError,
  SeqConflictError,
  type LoadOptions,
  type Page,
  type PageQuery,
  type RoomRecord,
  type RoomSnapshot,
  type StoredMessage,
} from '../../../actors/store.ts'
import type { LogRecord } from './records.ts'

interface RoomLog {
  /** `messages[i].seq === i + 1`: seqs have no gaps, so a seq is an index. */
  messages: StoredMessage[]
  /** senderId + NUL + clientId -> message. */
  byClient: Map<string, StoredMessage>
}

/** Messages per record when compaction rewrites a room. */
const SNAPSHOT_CHUNK = 500

export const pair = (a: string, b: string): string => `${a}\u0000${b}`
const copy = (m: StoredMessage): StoredMessage => ({ ...m })

export class State {
  readonly logs = new Map<string, RoomLog>()
  readonly markers = new Map<string, number>()
  readonly rooms = new Map<string, RoomRecord>()
  readonly roomMembers = new Set<string>()
  readonly guildMembers = new Set<string>()
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
          log.byClient.set(pair(m.senderId, m.clientId), m)
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
      case 'member':
        return this.#toggle(this.roomMembers, pair(r.room, r.user), r.in)
      case 'guild':
        return this.#toggle(this.guildMembers, pair(r.guild, r.user), r.in)
    }
  }

  #toggle(set: Set<string>, k: string, on: boolean): boolean {
    const had = set.has(k)
    if (on) set.add(k)
    else set.delete(k)
    return had !== on
  }

  #log(roomId: string): RoomLog {
    let log = this.logs.get(roomId)
    if (!log) this.logs.set(roomId, (log = { messages: [], byClient: new Map() }))
    return log
  }

  head(roomId: string): number {
    return this.logs.get(roomId)?.messages.length ?? 0
  }

  hasClientId(roomId: string, senderAndClient: string): boolean {
    return this.logs.get(roomId)?.byClient.has(senderAndClient) ?? false
  }

  findByClientId(roomId: string, senderId: string, clientId: string): StoredMessage | undefined {
    const m = this.logs.get(roomId)?.byClient.get(pair(senderId, clientId))
    return m && copy(m)
  }

  loadRoom(roomId: string, opts: LoadOptions): RoomSnapshot {
    const messages = this.logs.get(roomId)?.messages ?? []
    const last = messages.at(-1)
    // ts only grows within a room, so the window is a suffix: walk back, don't scan it all.
    let from = messages.length
    while (from > 0 && messages[from - 1]!.ts >= opts.idempotencySince) from--
    return {
      seq: last?.seq ?? 0,
      lastTs: last?.ts ?? 0,
      recent: opts.recentLimit > 0 ? messages.slice(-opts.recentLimit).map(copy) : [],
      idempotent: messages.slice(from).map(copy),
    }
  }

  /** PROTOCOL.md section 4 paging; seqs are dense, so a page is one slice. */
  readPage(roomId: string, query: PageQuery): Page {
    if (query.before !== undefined && query.after !== undefined) {
      throw new RangeError('a page is before or after a seq, not both')
    }
    const messages = this.logs.get(roomId)?.messages ?? []
    const head = messages.length
    const limit = Math.max(0, Math.floor(query.limit))
    let lo: number // first seq of the page
    let hi: number // last seq of the page
    let more: boolean
    if (query.after !== undefined) {
      lo = Math.max(query.after, 0) + 1
      hi = Math.min(head, lo + limit - 1)
      more = Math.max(hi, lo - 1) < head
    } else {
      hi = Math.min(head, (query.before ?? head + 1) - 1)
      lo = Math.max(1, hi - limit + 1)
      more = Math.min(lo, hi + 1) > 1
    }
    return { messages: hi >= lo ? messages.slice(lo - 1, hi).map(copy) : [], more }
  }

  /** How many records `snapshot()` yields. */
  liveRecords(): number {
    let n = this.rooms.size + this.markers.size + this.roomMembers.size + this.guildMembers.size
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
    for (const r of this.rooms.values()) yield { t: 'room', room: r.roomId, visibility: r.visibility }
    for (const [k, seq] of this.markers) yield { t: 'read', ...split('room', 'user', k), seq }
    for (const k of this.roomMembers) yield { t: 'member', ...split('room', 'user', k), in: true }
    for (const k of this.guildMembers) yield { t: 'guild', ...split('guild', 'user', k), in: true }
  }
}

function split<A extends string, B extends string>(a: A, b: B, k: string): Record<A | B, string> {
  const i = k.indexOf('\u0000')
  return { [a]: k.slice(0, i), [b]: k.slice(i + 1) } as Record<A | B, string>
}

/**
 * The checks before a batch is taken: the head is `expectedSeq`, the batch continues it with
 * no gap, and no idempotency key is already stored or repeated within the batch.
 */
export function checkAppend(
  roomId: string,
  head: number,
  expectedSeq: number,
  batch: StoredMessage[],
  isTaken: (senderAndClient: string) => boolean,
): void {
  if (head !== expectedSeq) {
    throw new SeqConflictError(`room ${roomId}: head is ${head}, expected ${expectedSeq}`)
  }
  const seen = new Set<string>()
  batch.forEach((m, i) => {
    if (m.seq !== expectedSeq + 1 + i || m.roomId !== roomId) {
      throw new RangeError(`room ${roomId}: batch message ${i} has seq ${m.seq} in room ${m.roomId}`)
    }
    const k = pair(m.senderId, m.clientId)
    if (seen.has(k) || isTaken(k)) {
      throw new DuplicateMessageError(m.senderId, m.clientId)
    }
    seen.add(k)
  })
}
