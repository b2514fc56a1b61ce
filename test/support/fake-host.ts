/**
 * A scripted `HostApi` and `AdminApi` for app tests through `app.request()`: access
 * answers come from a table, calls are recorded, sessions record what they received.
 */
import type { SocketPort } from '../../actors/ports.ts'
import type {
  AccessResult,
  ActiveRoom,
  AdminApi,
  OpenSessionOptions,
  HostApi,
  MyRoomsQuery,
  MyRoomsResult,
  OpenConversationResult,
  Session,
  WireMessage,
} from '../../actors/host-api.ts'
import type { MemberPage, MemberQuery, PageQuery, Visibility } from '../../actors/store.ts'
import type { PostOutcome, RoomPost } from '../../actors/room-post.ts'

export interface FakeSession extends Session {
  opts: OpenSessionOptions
  received: string[]
  isClosed: boolean
}

export class FakeHost implements HostApi {
  revocationEpoch = 0
  access = new Map<string, AccessResult>()
  defaultAccess: AccessResult = { ok: true }
  sessions: FakeSession[] = []
  historyCalls: { roomId: string; query: Partial<PageQuery> }[] = []
  messages: WireMessage[] = []
  rooms: ActiveRoom[] = []
  drained = false
  /** Users over their connection cap (`mayConnect` answers false). */
  connectionCapped = new Set<string>()

  mayConnect(userId: string): boolean {
    return !this.connectionCapped.has(userId)
  }

  async authorizeOrCreate(roomId: string, userId: string): Promise<AccessResult> {
    return this.access.get(`${roomId}/${userId}`) ?? this.access.get(roomId) ?? this.defaultAccess
  }

  openSession(opts: OpenSessionOptions): Session {
    const session: FakeSession = {
      opts,
      received: [],
      isClosed: false,
      receive(text) {
        session.received.push(text)
      },
      closed() {
        session.isClosed = true
      },
    }
    this.sessions.push(session)
    return session
  }

  async history(roomId: string, query: Partial<PageQuery>) {
    this.historyCalls.push({ roomId, query })
    return { messages: this.messages, more: false }
  }

  activeRooms(): ActiveRoom[] {
    return this.rooms
  }

  posts: { roomId: string; post: RoomPost }[] = []
  /** What `post` answers; default: stored at seq 1 as `m1`. */
  postOutcome: PostOutcome = { ok: true, seq: 1, messageId: 'm1', created: true }
  async post(roomId: string, post: RoomPost): Promise<PostOutcome> {
    this.posts.push({ roomId, post })
    return this.postOutcome
  }

  reads: { roomId: string; userId: string; seq: number }[] = []
  async markRead(roomId: string, userId: string, seq: number): Promise<void> {
    this.reads.push({ roomId, userId, seq })
  }

  /** Answers of `openConversation` and `myRooms`, and what they were asked. */
  conversation: OpenConversationResult = { ok: true, roomId: 'dm_x', members: [], created: true }
  conversationCalls: { userId: string; members: readonly string[] }[] = []
  myRoomsAnswer: MyRoomsResult = { ok: true, rooms: [] }
  myRoomsCalls: { userId: string; query: MyRoomsQuery }[] = []

  async openConversation(userId: string, members: readonly string[]): Promise<OpenConversationResult> {
    this.conversationCalls.push({ userId, members })
    return this.conversation
  }

  async myRooms(userId: string, query: MyRoomsQuery): Promise<MyRoomsResult> {
    this.myRoomsCalls.push({ userId, query })
    return this.myRoomsAnswer
  }

  async drain(): Promise<void> {
    this.drained = true
  }
}

export class FakeAdmin implements AdminApi {
  rooms = new Map<string, Visibility>()
  roomMembers = new Set<string>()
  guildMembers = new Set<string>()
  calls: string[] = []

  async putRoom(roomId: string, visibility: Visibility): Promise<boolean> {
    this.calls.push(`putRoom ${roomId} ${visibility}`)
    const created = !this.rooms.has(roomId)
    this.rooms.set(roomId, visibility)
    return created
  }
  async putRoomMember(roomId: string, userId: string): Promise<void> {
    this.calls.push(`putRoomMember ${roomId} ${userId}`)
    this.roomMembers.add(`${roomId}/${userId}`)
  }
  async deleteRoomMember(roomId: string, userId: string): Promise<boolean> {
    this.calls.push(`deleteRoomMember ${roomId} ${userId}`)
    return this.roomMembers.delete(`${roomId}/${userId}`)
  }
  async putGuildMember(guildId: string, userId: string): Promise<void> {
    this.calls.push(`putGuildMember ${guildId} ${userId}`)
    this.guildMembers.add(`${guildId}/${userId}`)
  }
  async deleteGuildMember(guildId: string, userId: string): Promise<boolean> {
    this.calls.push(`deleteGuildMember ${guildId} ${userId}`)
    return this.guildMembers.delete(`${guildId}/${userId}`)
  }
  async closeRoom(roomId: string): Promise<boolean> {
    this.calls.push(`closeRoom ${roomId}`)
    return this.rooms.has(roomId)
  }
  async listRoomMembers(roomId: string, query: MemberQuery): Promise<MemberPage> {
    this.calls.push(`listRoomMembers ${roomId} ${query.limit} ${query.after ?? ''}`)
    return { members: [] }
  }
  async listGuildMembers(guildId: string, query: MemberQuery): Promise<MemberPage> {
    this.calls.push(`listGuildMembers ${guildId} ${query.limit} ${query.after ?? ''}`)
    return { members: [] }
  }
}

/** A SocketPort that records what it was given. */
export class FakeSocket implements SocketPort {
  sent: string[] = []
  closes: { code: number; reason: string }[] = []
  send(text: string) {
    this.sent.push(text)
  }
  bufferedAmount() {
    return 0
  }
  close(code: number, reason: string) {
    this.closes.push({ code, reason })
  }
}
