/**
 * The Store port: everything a room needs to be durable. `actors/` declares it; the server
 * implements it (`src/store/*`). Every implementation passes `test/contract/store.ts`.
 *
 * Room ids are the ids clients use: a general room `lobby`, a guild room `GUILD#g`.
 */

/** A stored chat message. `clientId` is the sender's idempotency key (the `send` frame's `id`). */
export interface StoredMessage {
  id: string
  seq: number
  roomId: string
  senderId: string
  text: string
  ts: number
  clientId: string
}

export type Visibility = 'public' | 'private'

export interface RoomRecord {
  roomId: string
  visibility: Visibility
  /** Closed by an admin: nobody may enter and it is not created again; history is kept.
   * Absent when open. `putRoom` writes the whole record, so it reopens a closed room. */
  closed?: true
  /** `conversation` for a room made by `createConversation` (always private); absent otherwise. */
  kind?: 'conversation'
  /** A conversation's members, fixed at creation, in code point order. Absent for other rooms. */
  members?: string[]
}

/**
 * A conversation to create (`createConversation`): a private general room whose members are
 * fixed now. `members`: 2..50 distinct user ids in code point order (the layer above validates).
 */
export interface NewConversation {
  /** The id the room gets if this call creates it (a server-made general room id). */
  roomId: string
  members: string[]
}

export interface ConversationAnswer {
  /** The conversation's room: `NewConversation.roomId`, or the pair's existing room. */
  roomId: string
  /** `false` when the pair already had its conversation (nothing was written). */
  created: boolean
}

/** A page of room ids (`listUserRooms`) or guild ids (`listUserGuilds`), in code point order. */
export interface IdPage {
  ids: string[]
  /** Set when more may follow: pass it as `after`. */
  next?: string
}

/** The head of a room: what "my rooms" sorts on and counts unread from. */
export interface RoomHead {
  seq: number
  /** `ts` of the last message. */
  lastTs: number
  /** Id of the last message; absent on heads written before it was kept (`lastMessages` copes). */
  lastId?: string
}

/** A page of members (user ids in code point order, as DynamoDB sorts its keys). */
export interface MemberQuery {
  /** Only user ids after this one (exclusive): the `next` of the previous page. */
  after?: string
  limit: number
}

export interface MemberPage {
  members: string[]
  /** Set when more members may follow: pass it as `after`. */
  next?: string
}

/** What an actor needs at activation to carry on where the last owner stopped. */
export interface RoomSnapshot {
  /** Latest durable seq (0 for an empty room). */
  seq: number
  /** `ts` of the latest message (0 for an empty room); new messages get a strictly larger one. */
  lastTs: number
  /** The newest messages, oldest first, at most `recentLimit` of them. */
  recent: StoredMessage[]
  /** Every message with `ts >= idempotencySince`, oldest first: the idempotency window. */
  idempotent: StoredMessage[]
}

export interface LoadOptions {
  recentLimit: number
  idempotencySince: number
}

export interface PageQuery {
  /** Newest `limit` messages with seq < before. */
  before?: number
  /** Oldest `limit` messages with seq > after. */
  after?: number
  limit: number
}

export interface Page {
  /** Oldest first. */
  messages: StoredMessage[]
  /** More messages exist beyond the page, in the direction asked. */
  more: boolean
}

/**
 * Thrown (or rejected with) by `append` when the room's head is not `expectedSeq`: another
 * writer got there first. Nothing of the batch is stored.
 */
export class SeqConflictError extends Error {
  override name = 'SeqConflictError'
}

export interface Store {
  /**
   * The most messages one `append` takes, when the store has such a cap (DynamoDB: 48, so
   * that a batch, 2 items a message plus 3, fits one transaction of at most 100 items: 99).
   * The host cuts batches no larger than this.
   */
  readonly maxBatchSize?: number

  /** Messages, seq and idempotency window of a room, for activation. */
  loadRoom(roomId: string, opts: LoadOptions): Promise<RoomSnapshot>

  /**
   * Store a batch atomically: all of it durable when this resolves, none of it when it rejects
   * (or, for stores that cannot promise atomicity, never a partial batch visible to readers:
   * see docs/storage.md). `expectedSeq` is the room's head before the batch; the batch's seqs
   * are `expectedSeq + 1 ...` in order. A head that is not `expectedSeq` rejects with
   * SeqConflictError. A message whose (roomId, senderId, clientId) is already stored also
   * rejects: nothing is ever stored twice. With `fence` (a cluster owner's epoch from
   * `claimRoom`), the write is also conditioned on the room's epoch still being `fence`, in
   * the same atomic write: otherwise it rejects with FencedError and stores nothing.
   */
  append(roomId: string, expectedSeq: number, batch: StoredMessage[], fence?: number): Promise<void>

  /** A page of history by seq (see PageQuery); neither before nor after means the newest page. */
  readPage(roomId: string, query: PageQuery): Promise<Page>

  /** A message sent earlier with this idempotency key, if still stored. */
  findByClientId(roomId: string, senderId: string, clientId: string): Promise<StoredMessage | undefined>

  /** The user's read marker in the room, 0 if none. */
  getReadMarker(roomId: string, userId: string): Promise<number>
  /** Move the marker forward to `seq`; never backwards. Resolves to the marker after the call. */
  advanceReadMarker(roomId: string, userId: string, seq: number): Promise<number>

  /** General rooms (created by the admin API or on first use). */
  getRoom(roomId: string): Promise<RoomRecord | undefined>
  /** Create or update; resolves `true` when the room was created. */
  putRoom(room: RoomRecord): Promise<boolean>
  /**
   * Create the room only if no record exists (open or closed); never changes an existing
   * one. Resolves `true` when this call created it. Creation on first use goes through here,
   * so it cannot overwrite an admin's concurrent `putRoom` or `closeRoom`.
   */
  createRoom(room: RoomRecord): Promise<boolean>
  /** Mark an existing room closed, keeping everything else; `false` when there is no such room. */
  closeRoom(roomId: string): Promise<boolean>
  listRooms?(): Promise<RoomRecord[]>

  /** Private-room members. */
  isRoomMember(roomId: string, userId: string): Promise<boolean>
  putRoomMember(roomId: string, userId: string): Promise<void>
  /** Resolves `true` when a member was removed, `false` when there was none. */
  deleteRoomMember(roomId: string, userId: string): Promise<boolean>
  listRoomMembers(roomId: string, query: MemberQuery): Promise<MemberPage>

  /** Guild members: the item `PK = GUILD#<guildId>, SK = MEMBER#<userId>`. */
  isGuildMember(guildId: string, userId: string): Promise<boolean>
  putGuildMember(guildId: string, userId: string): Promise<void>
  deleteGuildMember(guildId: string, userId: string): Promise<boolean>
  /** Paged: a guild can have very many members. */
  listGuildMembers(guildId: string, query: MemberQuery): Promise<MemberPage>

  // --- conversations and "my rooms" (docs/storage.md "Conversations and my rooms") --------

  /**
   * Create a conversation: a private general room with `kind: 'conversation'`, its members
   * (room members, as `putRoomMember` makes them) and each member's room index entry. With
   * exactly two members it is the pair's one conversation: decided by one conditional write,
   * so of two concurrent calls (any nodes) one creates and the other answers the existing room
   * with `created: false`. Groups are new each time. A room id already taken by any room
   * rejects (ids are server-made: it does not happen).
   */
  createConversation(conversation: NewConversation): Promise<ConversationAnswer>

  /**
   * The user's room index, paged by room id (code point order): conversations and private
   * rooms the user was made a member of (`putRoomMember`, dropped by `deleteRoomMember`), and
   * general rooms where the user's read marker was created. Guild rooms are not in it
   * (`listUserGuilds`). An id may name a room with no record (a conversation cut short by a
   * crash, see docs/storage.md), or a room that was made private later: the caller checks
   * `roomRecords` and `membershipsOf`.
   */
  listUserRooms(userId: string, query: MemberQuery): Promise<IdPage>
  /** The guilds the user is a member of (guild ids), paged in code point order; on DynamoDB
   * from an eventually consistent index (a membership of a moment ago may be missing). */
  listUserGuilds(userId: string, query: MemberQuery): Promise<IdPage>

  /** Heads of the rooms asked for (general or guild); a room with no message is absent. Batched. */
  roomHeads(roomIds: readonly string[]): Promise<Map<string, RoomHead>>
  /** Records of the general rooms asked for that have one (guild room ids are skipped). Batched. */
  roomRecords(roomIds: readonly string[]): Promise<Map<string, RoomRecord>>
  /** The last message of each room whose head is given (from `roomHeads`). Batched by key. */
  lastMessages(heads: ReadonlyMap<string, RoomHead>): Promise<Map<string, StoredMessage>>
  /** The user's read markers in the rooms asked for; rooms without one are absent. Batched. */
  readMarkersOf(userId: string, roomIds: readonly string[]): Promise<Map<string, number>>
  /** Of the general rooms asked for, those where the user is a room member. Batched. */
  membershipsOf(userId: string, roomIds: readonly string[]): Promise<Set<string>>

  // --- the events outbox (docs/events.md "Events", docs/storage.md) ------------------------

  /** The room's events cursor: the last seq whose `message.created` the queue accepted (0: none). */
  getEventsCursor(roomId: string): Promise<number>
  /**
   * Move the cursor forward to `seq`; never backwards, so a late write of a room's former
   * owner cannot undo the current owner's progress.
   */
  advanceEventsCursor(roomId: string, seq: number): Promise<void>

  /** Flush and release resources. */
  close(): Promise<void>

  /**
   * Another node changed who may enter the room (revoked `userId`, closed the room, made it
   * private): drop whatever this store cached about it, so this node's next access check
   * reads the store. Only for stores that cache access (DynamoDB's membership cache).
   */
  forgetAccess?(roomId: string, userId?: string): void

  // --- room ownership (cluster stores only; docs/cluster.md) -------------------------------

  /**
   * Take the room for `node`: one conditional write raises the room's fencing epoch by one
   * (from 0 when never owned) and names `node` its owner, whoever owned it before. Resolves
   * the new epoch and the owner it replaced. Every later `append` with that epoch as `fence`
   * succeeds only while no other claim has followed.
   */
  claimRoom?(roomId: string, node: string): Promise<RoomClaim>
  /**
   * Give the room up (drain, rebalance) without raising its epoch: clears the owner when it is
   * still `node` at `epoch`, so the next owner knows it takes over a clean handoff. Resolves
   * `false` when someone else claimed the room since (nothing is changed then).
   */
  releaseRoom?(roomId: string, node: string, epoch: number): Promise<boolean>
  /** Who owns the room and at which epoch (`epoch` 0 and no owner when never claimed). */
  roomOwnership?(roomId: string): Promise<RoomOwnership>
}

export interface RoomOwnership {
  /** The owner's node id; absent when never claimed or released. */
  node?: string
  epoch: number
}

export interface RoomClaim {
  /** The epoch this claim holds: `fence` for its appends. */
  epoch: number
  /** The ownership this claim replaced (epoch 0, no node, for a room never owned). */
  previous: RoomOwnership
}

/**
 * Rejected with by `append` with a `fence` that is no longer the room's epoch: another node
 * claimed the room. Nothing of the batch is stored; the writer must drop the room.
 */
export class FencedError extends Error {
  override name = 'FencedError'
}

/**
 * Rejected with by `append` when a message's (roomId, senderId, clientId) is already stored
 * (a resend that outlived the actor's in-memory idempotency window). Nothing of the batch is
 * stored; the actor answers that sender with the original ack and writes the rest again.
 */
export class DuplicateMessageError extends Error {
  override name = 'DuplicateMessageError'
  readonly senderId: string
  readonly clientId: string
  constructor(senderId: string, clientId: string) {
    super(`message ${clientId} from ${senderId} is already stored`)
    this.senderId = senderId
    this.clientId = clientId
  }
}
