/**
 * The actor host's face to the server (src/) and to the in-process harness. `ActorHost`
 * (actors/host.ts) implements it; `Admin` (actors/admin.ts) does the admin writes.
 */
import type { SocketPort, User } from './ports.ts'
import type { MemberPage, MemberQuery, PageQuery, StoredMessage, Visibility } from './store.ts'
import type { PostOutcome, RoomPost } from './room-post.ts'
import type { MyRoomsQuery, MyRoomsResult } from './list-my-rooms.ts'
import type { OpenConversationResult } from './open-conversation.ts'

export type { MyRoomsQuery, MyRoomsResult } from './list-my-rooms.ts'
export type { OpenConversationResult } from './open-conversation.ts'

/** The message as clients see it (docs/protocol.md "Frames"): the stored one less its idempotency key. */
export type WireMessage = Omit<StoredMessage, 'clientId'>

export type AccessCode = 'invalid_room' | 'forbidden' | 'not_found' | 'unavailable' | 'rate_limited'
/** `retryAfterMs` comes with `rate_limited` (too many rooms created on first use); `message`
 * says more than the code where it can (a closed room is `not_found`: "this room is closed"). */
export type AccessResult =
  | { ok: true }
  /** `cause`: the store's error behind an `unavailable`, for the log only. */
  | { ok: false; code: AccessCode; retryAfterMs?: number; message?: string; cause?: unknown }
/**
 * Why access is asked: `enter` (an upgrade to a room, a `join`, a post as oneself) may create a
 * general room on first use; `read` (history, a read marker over HTTP) never creates anything:
 * a room that would be created reads as empty. `service`: a post by an admin as another sender
 * or by a service's command: the room must exist and be open, whoever the sender is (no
 * membership asked, nothing created).
 */
export type AccessIntent = 'enter' | 'read' | 'service'

/** One socket's conversation with the host. The adapter feeds it; it writes to the socket. */
export interface Session {
  /** An inbound text frame (already known to be within the frame size limit). */
  receive(text: string): void
  /** The socket is gone (peer closed, error, or our own close). Idempotent. */
  closed(): void
}

export interface OpenSessionOptions {
  user: User
  socket: SocketPort
  /** The token's `exp` in epoch ms: the session is closed with 4401 then. */
  expiresAt?: number
  /**
   * Set for `/ws/rooms/:roomId`: the session is bound to this room (access already checked
   * with `authorizeOrCreate`). Unset for `/ws`, where rooms are joined by frames. `epoch` is the
   * host's `revocationEpoch` read before that access check: a revocation or a close after
   * it refuses the entry even though the check said yes.
   */
  room?: { roomId: string; since?: number; epoch?: number }
  /** The upgrade span's context (a `traceparent`): each frame's span links to it. */
  traceparent?: string
}

export interface ActiveRoom {
  room: string
  connections: number
  users: number
}

export interface HostApi {
  /** Increases with every revocation and room close: read it before an access check. */
  readonly revocationEpoch: number
  /**
   * May `userId` enter (or read) `roomId`? To enter, a general room is created on first use
   * when configured to, at most `roomCreatesPerMinute` per user; to read, never.
   */
  authorizeOrCreate(roomId: string, userId: string, intent?: AccessIntent): Promise<AccessResult>
  /** May `userId` open another WebSocket on this node (`maxConnectionsPerUser`)? */
  mayConnect(userId: string): boolean
  openSession(opts: OpenSessionOptions): Session
  /** History for HTTP (access checked by the caller). `limit` defaults to 50. */
  history(roomId: string, query: Partial<PageQuery>): Promise<{ messages: WireMessage[]; more: boolean }>
  /** Rooms with a live actor on this node. */
  activeRooms(): ActiveRoom[]
  /**
   * A message posted without a socket (access checked by the caller), through the room's
   * owner wherever it lives, retried there by the same `id` after a move. Rejects with
   * `RoomUnavailableError` when the room cannot be reached (nothing stored).
   * `trace`: the request's span context.
   */
  post(roomId: string, post: RoomPost, trace?: string): Promise<PostOutcome>
  /** The user's read marker moves to `seq` (access checked by the caller), through the owner. */
  markRead(roomId: string, userId: string, seq: number): Promise<void>
  /**
   * The caller's conversation with `members` (the caller may be among them): the pair's one
   * room, or a new group; made only within `conversationsPerMinute`.
   */
  openConversation(userId: string, members: readonly string[]): Promise<OpenConversationResult>
  /** A page of the user's rooms, newest activity first. */
  myRooms(userId: string, query: MyRoomsQuery): Promise<MyRoomsResult>
  /**
   * Stop: close every socket with 1001, finish every write already accepted, evict every
   * actor. Resolves when nothing acknowledged is left unstored.
   */
  drain(): Promise<void>
}

/** Admin writes. Each writes through the store, then updates caches and live sockets. */
export interface AdminApi {
  /** Resolves `true` when created. Refuses guild ids (`GUILD#...`) with invalid_room. Reopens a closed room. */
  putRoom(roomId: string, visibility: Visibility): Promise<boolean>
  /**
   * Closes a general room: every connection leaves it (4404, or `left` with reason "closed"
   * on /ws), nobody may enter until `putRoom` reopens it, history is kept. `false` when there
   * is no such room.
   */
  closeRoom(roomId: string): Promise<boolean>
  /** A private room's members, a page at a time (user ids in code point order). */
  listRoomMembers(roomId: string, query: MemberQuery): Promise<MemberPage>
  /** A guild's members, a page at a time. */
  listGuildMembers(guildId: string, query: MemberQuery): Promise<MemberPage>
  putRoomMember(roomId: string, userId: string): Promise<void>
  /** Also closes the user's live sockets in the room (4403, or `left` on /ws). */
  deleteRoomMember(roomId: string, userId: string): Promise<boolean>
  putGuildMember(guildId: string, userId: string): Promise<void>
  /** Also closes the user's live sockets in `GUILD#<guildId>` (4403, or `left` on /ws). */
  deleteGuildMember(guildId: string, userId: string): Promise<boolean>
}
