/**
 * Every read of the embedded store, on the main thread's own connection: prepared statements
 * over the tables of database.ts, read from disk through SQLite's page cache (bounded by
 * `cacheKiB`), so memory does not grow with history. In WAL mode this connection sees only
 * committed, hence durable, transactions.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type {
  IdPage,
  LoadOptions,
  MemberPage,
  MemberQuery,
  Page,
  PageQuery,
  RoomHead,
  RoomRecord,
  RoomSnapshot,
  StoredMessage,
  Visibility,
} from '../../../actors/store.ts'
import type { Head, HeadCache } from './heads.ts'
import { pageBounds } from '../../../actors/store-rules.ts'

interface MessageRow {
  room: string
  seq: number
  id: string
  sender: string
  text: string
  ts: number
  client: string
}

const COLUMNS = 'room, seq, id, sender, text, ts, client'
/** Rows read per step while walking back to the start of the idempotency window. */
const WINDOW_STEP = 256

const message = (r: MessageRow): StoredMessage => ({
  id: r.id,
  seq: r.seq,
  roomId: r.room,
  senderId: r.sender,
  text: r.text,
  ts: r.ts,
  clientId: r.client,
})

export class Reads {
  readonly db: DatabaseSync
  readonly #last: StatementSync
  readonly #newest: StatementSync
  readonly #range: StatementSync
  readonly #byClient: StatementSync
  readonly #hasClient: StatementSync
  readonly #marker: StatementSync
  readonly #eventsCursor: StatementSync
  readonly #room: StatementSync
  readonly #rooms: StatementSync
  readonly #roomMember: StatementSync
  readonly #guildMember: StatementSync
  readonly #roomMembers: MemberStatements
  readonly #guildMembers: MemberStatements
  readonly #userRooms: MemberStatements
  readonly #userGuilds: MemberStatements
  readonly #head: StatementSync
  readonly #at: StatementSync
  readonly #pair: StatementSync
  readonly #heads: HeadCache
  /** Heads read from the database, not from the cache (tests count them). */
  headQueries = 0

  constructor(db: DatabaseSync, heads: HeadCache) {
    this.db = db
    this.#heads = heads
    this.#last = db.prepare('SELECT seq, ts FROM messages WHERE room = ? ORDER BY seq DESC LIMIT 1')
    this.#newest = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE room = ? AND seq < ? ORDER BY seq DESC LIMIT ?`)
    this.#range = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE room = ? AND seq BETWEEN ? AND ? ORDER BY seq`)
    this.#byClient = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE room = ? AND sender = ? AND client = ?`)
    // Answered from the index alone (it holds room, sender, client): no lookup of the row.
    this.#hasClient = db.prepare('SELECT 1 FROM messages WHERE room = ? AND sender = ? AND client = ?')
    this.#marker = db.prepare('SELECT seq FROM markers WHERE room = ? AND user = ?')
    this.#eventsCursor = db.prepare('SELECT published FROM events_cursors WHERE room = ?')
    this.#room = db.prepare(`SELECT ${ROOM_COLUMNS} FROM rooms WHERE room = ?`)
    this.#rooms = db.prepare(`SELECT ${ROOM_COLUMNS} FROM rooms ORDER BY room`)
    this.#roomMember = db.prepare('SELECT 1 FROM room_members WHERE room = ? AND user = ?')
    this.#guildMember = db.prepare('SELECT 1 FROM guild_members WHERE guild = ? AND user = ?')
    this.#roomMembers = memberStatements(db, 'room_members', 'room', 'user')
    this.#guildMembers = memberStatements(db, 'guild_members', 'guild', 'user')
    this.#userRooms = memberStatements(db, 'user_rooms', 'user', 'room')
    this.#userGuilds = memberStatements(db, 'guild_members', 'user', 'guild')
    this.#head = db.prepare('SELECT seq, ts, id FROM messages WHERE room = ? ORDER BY seq DESC LIMIT 1')
    this.#at = db.prepare(`SELECT ${COLUMNS} FROM messages WHERE room = ? AND seq = ?`)
    this.#pair = db.prepare('SELECT room FROM pairs WHERE a = ? AND b = ?')
  }

  /** The room's head seq and the ts of its last message (0, 0 when empty); from the cache of
   * active rooms' heads (heads.ts) when it has the room. Not to be changed by the caller. */
  last(roomId: string): Head {
    const cached = this.#heads.get(roomId)
    if (cached) return cached
    this.headQueries++
    const head = (this.#last.get(roomId) as Head | undefined) ?? { seq: 0, ts: 0 }
    this.#heads.set(roomId, head)
    return head
  }

  /** Whether the idempotency key (senderId, clientId) is stored in the room. */
  hasClientId(roomId: string, senderId: string, clientId: string): boolean {
    return this.#hasClient.get(roomId, senderId, clientId) !== undefined
  }

  findByClientId(roomId: string, senderId: string, clientId: string): StoredMessage | undefined {
    const row = this.#byClient.get(roomId, senderId, clientId) as MessageRow | undefined
    return row && message(row)
  }

  /** Up to `n` messages below seq `before`, oldest first. */
  #below(roomId: string, before: number, n: number): StoredMessage[] {
    return (this.#newest.all(roomId, before, n) as unknown as MessageRow[]).map(message).reverse()
  }

  /** `loadRoom`: ts only grows with seq, so the idempotency window is a suffix: walk back to it. */
  loadRoom(roomId: string, opts: LoadOptions): RoomSnapshot {
    const { seq, ts } = this.last(roomId)
    const recent = opts.recentLimit > 0 ? this.#below(roomId, seq + 1, opts.recentLimit) : []
    let idempotent: StoredMessage[] = []
    if (ts >= opts.idempotencySince) {
      // Start from what `recent` already holds, then step back until a message is older.
      let from = recent.length
      while (from > 0 && recent[from - 1]!.ts >= opts.idempotencySince) from--
      idempotent = recent.slice(from)
      let reachedOlder = from > 0
      while (!reachedOlder) {
        const below = this.#below(roomId, idempotent[0]?.seq ?? seq + 1, WINDOW_STEP)
        let i = below.length
        while (i > 0 && below[i - 1]!.ts >= opts.idempotencySince) i--
        idempotent = [...below.slice(i), ...idempotent]
        reachedOlder = i > 0 || below.length < WINDOW_STEP
      }
      idempotent = idempotent.map((m) => ({ ...m }))
    }
    return { seq, lastTs: ts, recent, idempotent }
  }

  /** The paging of docs/protocol.md "HTTP endpoints", the bounds of `pageOf` (actors/store-rules.ts) read from disk. */
  readPage(roomId: string, query: PageQuery): Page {
    const { lo, hi, more } = pageBounds(this.last(roomId).seq, query)
    const rows = hi >= lo ? (this.#range.all(roomId, lo, hi) as unknown as MessageRow[]) : []
    return { messages: rows.map(message), more }
  }

  marker(roomId: string, userId: string): number {
    return this.markerOrNone(roomId, userId) ?? 0
  }

  markerOrNone(roomId: string, userId: string): number | undefined {
    return (this.#marker.get(roomId, userId) as { seq: number } | undefined)?.seq
  }

  eventsCursor(roomId: string): number {
    return (this.#eventsCursor.get(roomId) as { published: number } | undefined)?.published ?? 0
  }

  room(roomId: string): RoomRecord | undefined {
    const row = this.#room.get(roomId) as RoomRow | undefined
    return row && roomOf(row)
  }

  rooms(): RoomRecord[] {
    return (this.#rooms.all() as unknown as RoomRow[]).map(roomOf)
  }

  isRoomMember(roomId: string, userId: string): boolean {
    return this.#roomMember.get(roomId, userId) !== undefined
  }

  isGuildMember(guildId: string, userId: string): boolean {
    return this.#guildMember.get(guildId, userId) !== undefined
  }

  roomMembers(roomId: string, query: MemberQuery): MemberPage {
    return memberPage(this.#roomMembers, roomId, query)
  }

  guildMembers(guildId: string, query: MemberQuery): MemberPage {
    return memberPage(this.#guildMembers, guildId, query)
  }

  /** The room of a pair conversation (members in code point order), if it has one. */
  pair(a: string, b: string): string | undefined {
    return (this.#pair.get(a, b) as { room: string } | undefined)?.room
  }

  userRooms(userId: string, query: MemberQuery): IdPage {
    return idPage(memberPage(this.#userRooms, userId, query))
  }

  userGuilds(userId: string, query: MemberQuery): IdPage {
    return idPage(memberPage(this.#userGuilds, userId, query))
  }

  /** One indexed lookup a room (the last row of its messages), not through the head cache: a
   * listing of many rooms must not push the active rooms' heads out of it. */
  head(roomId: string): RoomHead | undefined {
    const row = this.#head.get(roomId) as { seq: number; ts: number; id: string } | undefined
    return row && { seq: row.seq, lastTs: row.ts, lastId: row.id }
  }

  messageAt(roomId: string, seq: number): StoredMessage | undefined {
    const row = this.#at.get(roomId, seq) as MessageRow | undefined
    return row && message(row)
  }
}

const idPage = (page: MemberPage): IdPage =>
  page.next === undefined ? { ids: page.members } : { ids: page.members, next: page.next }

const ROOM_COLUMNS = 'room, visibility, closed, kind, members'

interface RoomRow {
  room: string
  visibility: Visibility
  closed: number
  kind: 'conversation' | null
  members: string | null
}

// One object per record, no spread of a conditional one: every room entry reads a room.
function roomOf(r: RoomRow): RoomRecord {
  const room: RoomRecord = r.closed
    ? { roomId: r.room, visibility: r.visibility, closed: true }
    : { roomId: r.room, visibility: r.visibility }
  if (r.kind !== null) room.kind = r.kind
  if (r.members !== null) room.members = JSON.parse(r.members) as string[]
  return room
}

interface MemberStatements {
  first: StatementSync
  after: StatementSync
}

/** Paging statements over `table`: the `id` column of the rows whose `group` column is given. */
function memberStatements(db: DatabaseSync, table: string, group: string, id: string): MemberStatements {
  return {
    first: db.prepare(`SELECT ${id} AS id FROM ${table} WHERE ${group} = ? ORDER BY ${id} LIMIT ?`),
    after: db.prepare(`SELECT ${id} AS id FROM ${table} WHERE ${group} = ? AND ${id} > ? ORDER BY ${id} LIMIT ?`),
  }
}

/** As MemberIndex.page: `limit` ids after `after` in code point order, `next` when more remain. */
function memberPage(stmts: MemberStatements, group: string, query: MemberQuery): MemberPage {
  const limit = Math.max(0, Math.floor(query.limit))
  if (limit === 0) return { members: [] }
  const rows = (
    query.after === undefined ? stmts.first.all(group, limit + 1) : stmts.after.all(group, query.after, limit + 1)
  ) as { id: string }[]
  const members = rows.slice(0, limit).map((r) => r.id)
  return rows.length > limit ? { members, next: members.at(-1)! } : { members }
}
