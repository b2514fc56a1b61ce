/**
 * `MemoryStore`: the Store port held in plain maps, for the in-process harness and the
 * actors' tests. It is also the reference for the port's semantics: it passes
 * test/contract/store.ts like every other store. `store.faults` makes calls fail or hang
 * (see faults.ts); `store.calls` counts calls per method (e.g. "one batch, one append").
 */
import {
  checkAppend,
  checkFence,
  claimOf,
  clientKey,
  conversationRecord,
  isGeneralRoom,
  ownershipOf,
  pageOf,
  releaseOf,
  snapshotOf,
  type OwnerRecord,
} from '../store-rules.ts'
import { MemberIndex } from '../member-index.ts'
import type {
  ConversationAnswer,
  IdPage,
  LoadOptions,
  MemberPage,
  MemberQuery,
  Page,
  PageQuery,
  NewConversation,
  RoomClaim,
  RoomHead,
  RoomOwnership,
  RoomRecord,
  RoomSnapshot,
  Store,
  StoredMessage,
} from '../store.ts'
import { Faults, type StoreMethod } from './faults.ts'

export { Faults, StoreFaultError, type FaultTarget, type FailOptions, type StoreMethod } from './faults.ts'

interface RoomLog {
  /** `messages[i].seq === i + 1`: seqs have no gaps, so a seq is an index. */
  messages: StoredMessage[]
  /** `clientKey(senderId, clientId)` -> message. */
  byClient: Map<string, StoredMessage>
}

/** A room or guild id (never holds NUL) and a user id. */
const key = (scope: string, userId: string): string => `${scope}\u0000${userId}`
const copy = (m: StoredMessage): StoredMessage => ({ ...m })
const copyRoom = (r: RoomRecord): RoomRecord => (r.members ? { ...r, members: [...r.members] } : { ...r })
const idPage = (page: MemberPage): IdPage =>
  page.next === undefined ? { ids: page.members } : { ids: page.members, next: page.next }

export class MemoryStore implements Store {
  readonly faults = new Faults()
  readonly calls = new Map<StoreMethod, number>()
  #logs = new Map<string, RoomLog>()
  #markers = new Map<string, number>()
  /** Room id -> events cursor (the last seq published). */
  #eventsCursors = new Map<string, number>()
  #rooms = new Map<string, RoomRecord>()
  #roomMembers = new MemberIndex()
  #guildMembers = new MemberIndex()
  /** User id -> room ids: the user's room index (listUserRooms). */
  #userRooms = new MemberIndex()
  /** User id -> guild ids (listUserGuilds). */
  #userGuilds = new MemberIndex()
  /** The two members of a pair conversation (code point order, NUL-joined) -> its room. */
  #pairs = new Map<string, string>()
  /** Room id -> ownership (claimRoom): the cluster's fencing epochs. */
  #owners = new Map<string, OwnerRecord>()
  #closed = false

  /** Every store call goes through here: count it, apply its faults, then run it. */
  async #call<T>(method: StoreMethod, run: () => T): Promise<T> {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1)
    const plan = this.faults.plan(method)
    await plan.gate
    if (this.#closed) throw new Error('store closed')
    if (plan.fail && !plan.afterApply) throw plan.fail
    const result = run()
    if (plan.fail) throw plan.fail
    return result
  }

  #log(roomId: string): RoomLog {
    let log = this.#logs.get(roomId)
    if (!log) {
      log = { messages: [], byClient: new Map() }
      this.#logs.set(roomId, log)
    }
    return log
  }

  loadRoom(roomId: string, opts: LoadOptions): Promise<RoomSnapshot> {
    return this.#call('loadRoom', () => snapshotOf(this.#logs.get(roomId)?.messages ?? [], opts))
  }

  append(roomId: string, expectedSeq: number, batch: StoredMessage[], fence?: number): Promise<void> {
    return this.#call('append', () => {
      // The fence first: a stale owner learns it lost the room, whatever else is wrong.
      checkFence(roomId, this.#owners.get(roomId), fence)
      const log = this.#log(roomId)
      checkAppend(roomId, log.messages.length, expectedSeq, batch, (k) => log.byClient.has(k))
      for (const m of batch) {
        const stored = copy(m)
        log.messages.push(stored)
        log.byClient.set(clientKey(m.senderId, m.clientId), stored)
      }
    })
  }

  readPage(roomId: string, query: PageQuery): Promise<Page> {
    return this.#call('readPage', () => pageOf(this.#logs.get(roomId)?.messages ?? [], query))
  }

  findByClientId(roomId: string, senderId: string, clientId: string): Promise<StoredMessage | undefined> {
    return this.#call('findByClientId', () => {
      const m = this.#logs.get(roomId)?.byClient.get(clientKey(senderId, clientId))
      return m && copy(m)
    })
  }

  getReadMarker(roomId: string, userId: string): Promise<number> {
    return this.#call('getReadMarker', () => this.#markers.get(key(roomId, userId)) ?? 0)
  }

  advanceReadMarker(roomId: string, userId: string, seq: number): Promise<number> {
    return this.#call('advanceReadMarker', () => {
      const old = this.#markers.get(key(roomId, userId))
      if (old === undefined && isGeneralRoom(roomId)) this.#userRooms.set(userId, roomId, true)
      const next = Math.max(old ?? 0, seq)
      this.#markers.set(key(roomId, userId), next)
      return next
    })
  }

  getEventsCursor(roomId: string): Promise<number> {
    return this.#call('getEventsCursor', () => this.#eventsCursors.get(roomId) ?? 0)
  }

  advanceEventsCursor(roomId: string, seq: number): Promise<void> {
    return this.#call('advanceEventsCursor', () => {
      this.#eventsCursors.set(roomId, Math.max(this.#eventsCursors.get(roomId) ?? 0, seq))
    })
  }

  getRoom(roomId: string): Promise<RoomRecord | undefined> {
    return this.#call('getRoom', () => {
      const room = this.#rooms.get(roomId)
      return room && copyRoom(room)
    })
  }

  putRoom(room: RoomRecord): Promise<boolean> {
    return this.#call('putRoom', () => {
      const old = this.#rooms.get(room.roomId)
      // A conversation stays one (kind and members are fixed at creation), as on every store.
      this.#rooms.set(room.roomId, {
        roomId: room.roomId,
        visibility: room.visibility,
        ...(room.closed && { closed: true }),
        ...(old?.kind && { kind: old.kind }),
        ...(old?.members && { members: old.members }),
      })
      return old === undefined
    })
  }

  createRoom(room: RoomRecord): Promise<boolean> {
    return this.#call('createRoom', () => {
      if (this.#rooms.has(room.roomId)) return false
      this.#rooms.set(room.roomId, { roomId: room.roomId, visibility: room.visibility })
      return true
    })
  }

  closeRoom(roomId: string): Promise<boolean> {
    return this.#call('closeRoom', () => {
      const room = this.#rooms.get(roomId)
      if (room) room.closed = true
      return room !== undefined
    })
  }

  listRooms(): Promise<RoomRecord[]> {
    return this.#call('listRooms', () => [...this.#rooms.values()].map(copyRoom))
  }

  isRoomMember(roomId: string, userId: string): Promise<boolean> {
    return this.#call('isRoomMember', () => this.#roomMembers.has(roomId, userId))
  }

  putRoomMember(roomId: string, userId: string): Promise<void> {
    return this.#call('putRoomMember', () => {
      this.#roomMembers.set(roomId, userId, true)
      if (isGeneralRoom(roomId)) this.#userRooms.set(userId, roomId, true)
    })
  }

  deleteRoomMember(roomId: string, userId: string): Promise<boolean> {
    return this.#call('deleteRoomMember', () => {
      if (isGeneralRoom(roomId)) this.#userRooms.set(userId, roomId, false)
      return this.#roomMembers.set(roomId, userId, false)
    })
  }

  listRoomMembers(roomId: string, query: MemberQuery): Promise<MemberPage> {
    return this.#call('listRoomMembers', () => this.#roomMembers.page(roomId, query))
  }

  isGuildMember(guildId: string, userId: string): Promise<boolean> {
    return this.#call('isGuildMember', () => this.#guildMembers.has(guildId, userId))
  }

  putGuildMember(guildId: string, userId: string): Promise<void> {
    return this.#call('putGuildMember', () => {
      this.#guildMembers.set(guildId, userId, true)
      this.#userGuilds.set(userId, guildId, true)
    })
  }

  deleteGuildMember(guildId: string, userId: string): Promise<boolean> {
    return this.#call('deleteGuildMember', () => {
      this.#userGuilds.set(userId, guildId, false)
      return this.#guildMembers.set(guildId, userId, false)
    })
  }

  listGuildMembers(guildId: string, query: MemberQuery): Promise<MemberPage> {
    return this.#call('listGuildMembers', () => this.#guildMembers.page(guildId, query))
  }

  createConversation(conversation: NewConversation): Promise<ConversationAnswer> {
    return this.#call('createConversation', () => {
      const record = conversationRecord(conversation.roomId, conversation.members)
      const members = record.members!
      const pair = members.length === 2 ? key(members[0]!, members[1]!) : undefined
      const existing = pair === undefined ? undefined : this.#pairs.get(pair)
      if (existing !== undefined) return { roomId: existing, created: false }
      if (this.#rooms.has(record.roomId)) throw new Error(`room ${record.roomId} already exists`)
      if (pair !== undefined) this.#pairs.set(pair, record.roomId)
      this.#rooms.set(record.roomId, record)
      for (const userId of members) {
        this.#roomMembers.set(record.roomId, userId, true)
        this.#userRooms.set(userId, record.roomId, true)
      }
      return { roomId: record.roomId, created: true }
    })
  }

  listUserRooms(userId: string, query: MemberQuery): Promise<IdPage> {
    return this.#call('listUserRooms', () => idPage(this.#userRooms.page(userId, query)))
  }

  listUserGuilds(userId: string, query: MemberQuery): Promise<IdPage> {
    return this.#call('listUserGuilds', () => idPage(this.#userGuilds.page(userId, query)))
  }

  roomHeads(roomIds: readonly string[]): Promise<Map<string, RoomHead>> {
    return this.#call('roomHeads', () => {
      const heads = new Map<string, RoomHead>()
      for (const roomId of roomIds) {
        const last = this.#logs.get(roomId)?.messages.at(-1)
        if (last) heads.set(roomId, { seq: last.seq, lastTs: last.ts, lastId: last.id })
      }
      return heads
    })
  }

  roomRecords(roomIds: readonly string[]): Promise<Map<string, RoomRecord>> {
    return this.#call('roomRecords', () => {
      const records = new Map<string, RoomRecord>()
      for (const roomId of roomIds) {
        const room = this.#rooms.get(roomId)
        if (room) records.set(roomId, copyRoom(room))
      }
      return records
    })
  }

  lastMessages(heads: ReadonlyMap<string, RoomHead>): Promise<Map<string, StoredMessage>> {
    return this.#call('lastMessages', () => {
      const last = new Map<string, StoredMessage>()
      for (const [roomId, head] of heads) {
        const m = this.#logs.get(roomId)?.messages[head.seq - 1]
        if (m) last.set(roomId, copy(m))
      }
      return last
    })
  }

  readMarkersOf(userId: string, roomIds: readonly string[]): Promise<Map<string, number>> {
    return this.#call('readMarkersOf', () => {
      const markers = new Map<string, number>()
      for (const roomId of roomIds) {
        const seq = this.#markers.get(key(roomId, userId))
        if (seq !== undefined) markers.set(roomId, seq)
      }
      return markers
    })
  }

  membershipsOf(userId: string, roomIds: readonly string[]): Promise<Set<string>> {
    return this.#call('membershipsOf', () => new Set(roomIds.filter((r) => this.#roomMembers.has(r, userId))))
  }

  claimRoom(roomId: string, node: string): Promise<RoomClaim> {
    return this.#call('claimRoom', () => {
      const { next, claim } = claimOf(this.#owners.get(roomId), node)
      this.#owners.set(roomId, next)
      return claim
    })
  }

  releaseRoom(roomId: string, node: string, epoch: number): Promise<boolean> {
    return this.#call('releaseRoom', () => {
      const { next, released } = releaseOf(this.#owners.get(roomId), node, epoch)
      if (next) this.#owners.set(roomId, next)
      return released
    })
  }

  roomOwnership(roomId: string): Promise<RoomOwnership> {
    return this.#call('roomOwnership', () => ownershipOf(this.#owners.get(roomId)))
  }

  /**
   * A new store on the data of `old`, as a restarted process finds a storage service that
   * outlived it (the store contract's reopen case). Faults and call counts start afresh.
   */
  static reopen(old: MemoryStore): MemoryStore {
    const store = new MemoryStore()
    store.#logs = old.#logs
    store.#markers = old.#markers
    store.#eventsCursors = old.#eventsCursors
    store.#rooms = old.#rooms
    store.#roomMembers = old.#roomMembers
    store.#guildMembers = old.#guildMembers
    store.#userRooms = old.#userRooms
    store.#userGuilds = old.#userGuilds
    store.#pairs = old.#pairs
    store.#owners = old.#owners
    return store
  }

  async close(): Promise<void> {
    this.calls.set('close', (this.calls.get('close') ?? 0) + 1)
    this.#closed = true
  }
}
