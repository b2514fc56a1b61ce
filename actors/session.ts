/**
 * One socket's session: parses and validates its frames, keeps them in order, routes them to
 * the rooms it has joined, counts refusals (1008 on a flood), answers `ping`, and closes the
 * socket when its token expires (4401). A `/ws/rooms/:roomId` socket is bound to one room;
 * a `/ws` socket joins and leaves rooms by frames.
 *
 * Losing a room (it moved to another node) never closes the socket: the session enters it
 * again with `since` and resends what was unanswered (actors/session-room-connection.ts); nor does leaving
 * one room of a `/ws` socket close it.
 *
 * It is also the socket's one gate in each direction: every frame written to the socket, the
 * room's and its own, passes the outbound caps (`transmit`), and every frame read passes the
 * frame rate and the read backlog (`admit`), so a client can grow no queue of ours.
 */
import type { Clock } from './clock.ts'
import { AccessRevokedError, RoomClosedError } from './entry-errors.ts'
import { outboundDecision, type LeaveReason, type RoomConnection } from './room-connection.ts'
import { RefusalCounter } from './core/refusals.ts'
import { InboundGate } from './core/inbound-gate.ts'
import { TokenBucket } from './core/token-bucket.ts'
import type { Limits } from './limits.ts'
import { Mailbox } from './mailbox.ts'
import {
  SessionRoomConnection,
  type EntryConnection,
  type RoomConnectionOwner,
  type Move,
} from './session-room-connection.ts'
import type { Logger, SocketPort, User } from './ports.ts'
import { CloseCode } from './protocol/close-codes.ts'
import { countsAsRefusal, errorFrame, frameMessages, type ErrorFrame } from './protocol/errors.ts'
import { parseClientFrame, type ClientFrame, type DmFrame, type RoomFrame, type RoomsFrame } from './protocol/frames.ts'
import type { RoomHandle } from './room-handle.ts'
import type {
  AccessIntent,
  AccessResult,
  MyRoomsQuery,
  MyRoomsResult,
  OpenConversationResult,
  OpenSessionOptions,
  Session,
} from './host-api.ts'
import { myRoomsDefaultLimit } from './list-my-rooms.ts'
import { roomAttributes } from './span-attributes.ts'
import { noopTracer, type Span, type SpanAttributes, type Tracer } from './tracing.ts'
import { noopHostMetrics, refusalCode, type HostMetrics } from './metrics.ts'

/** What a session needs from its host. */
export interface SessionHost {
  readonly clock: Clock
  readonly limits: Limits
  readonly logger: Logger
  /** Increases with every revocation; taken before an access check. */
  readonly revocationEpoch: number
  /** Where each handled frame is recorded as a span; default: none. */
  readonly tracer?: Tracer
  /** Where refusals and slow-consumer closes are counted; default: nowhere. */
  readonly metrics?: HostMetrics
  /** This node's id in a cluster (the `node` span attribute). */
  readonly node?: string | undefined
  nextConnectionId(): number
  /** The `dm` frame: the caller's conversation with one user, made if needed. */
  openConversation(userId: string, members: readonly string[]): Promise<OpenConversationResult>
  /** The `rooms` frame: a page of the user's rooms. */
  myRooms(userId: string, query: MyRoomsQuery): Promise<MyRoomsResult>
  authorizeOrCreate(roomId: string, userId: string, intent?: AccessIntent): Promise<AccessResult>
  /**
   * Puts the connection in the room, wherever it lives; resolves once its welcome is sent.
   * `trace`: the entry's span context, when tracing.
   */
  enter(
    roomId: string,
    conn: RoomConnection,
    since: number | undefined,
    epoch: number,
    trace?: string,
  ): Promise<RoomHandle>
  sessionEnded(session: SocketSession): void
  /** Ends the session with 4401 at `at` (epoch ms); `forgetExpiry` when it ends first. */
  expireAt(at: number, session: SocketSession): void
  forgetExpiry(at: number, session: SocketSession): void
}

/** Retries of a lost room: the first after 100 ms, doubling up to 2 s, until `roomMoveTimeoutMs`. */
const firstRetryMs = 100
const maxRetryMs = 2000

export class SocketSession implements Session, RoomConnectionOwner {
  readonly user: User
  private readonly socket: SocketPort
  private readonly boundRoom: string | undefined
  private readonly rooms = new Map<string, SessionRoomConnection>()
  private readonly inbox: Mailbox
  private readonly refusals: RefusalCounter
  private readonly inbound: InboundGate
  /** `join` and `leave` frames: each costs the rooms work and may announce presence. */
  private readonly joinRate: TokenBucket
  private readonly expiresAt: number | undefined
  private ended = false
  private readonly tracer: Tracer
  private readonly metrics: HostMetrics
  /** The upgrade span's context: every frame span links to it. */
  private readonly upgrade: readonly string[]
  /** Tracing: spans of sends waiting for their answer (ack or refusal), by room and id. */
  private sendSpans: Map<string, Span> | undefined
  /** Tracing: the span of the frame being handled (a refusal marks it failed). */
  private frameSpan: Span | undefined

  private readonly host: SessionHost
  constructor(host: SessionHost, opts: OpenSessionOptions) {
    this.host = host
    this.user = opts.user
    this.socket = opts.socket
    this.boundRoom = opts.room?.roomId
    this.refusals = new RefusalCounter(host.limits.maxRefusals, host.limits.refusalWindowMs)
    this.inbound = new InboundGate(host.limits, host.clock.now())
    this.joinRate = new TokenBucket(host.limits.joinBurst, host.limits.joinsPerSecond, host.clock.now())
    this.inbox = new Mailbox((err) => {
      host.logger.error('session_error', { user: this.user.id, error: String(err) })
      this.metrics.refusals.add(1, refusalCode('internal'))
      this.write(errorFrame('internal'))
    })
    this.tracer = host.tracer ?? noopTracer
    this.metrics = host.metrics ?? noopHostMetrics
    this.upgrade = opts.traceparent === undefined ? [] : [opts.traceparent]
    this.expiresAt = opts.expiresAt
    if (opts.expiresAt !== undefined) host.expireAt(opts.expiresAt, this)
    const bound = opts.room
    if (bound) {
      const epoch = bound.epoch ?? host.revocationEpoch
      this.inbox.post(() => this.join(bound.roomId, bound.since, epoch))
    }
  }

  receive(text: string): void {
    if (!this.ended && this.admit()) this.inbox.post(() => this.handle(text))
  }

  closed(): void {
    this.finish()
  }

  /** The token expired: close with 4401. */
  expire(): void {
    this.end(CloseCode.tokenExpired, 'token expired')
  }

  /** Close the socket and leave every room. */
  end(code: number, reason: string): void {
    if (this.ended) return
    this.socket.close(code, reason)
    this.finish()
  }

  get idle(): boolean {
    return this.inbox.idle
  }

  /** Is this session in the room (joined, entering or moving)? */
  isIn(roomId: string): boolean {
    return this.rooms.has(roomId)
  }

  joinedRooms(): string[] {
    return [...this.rooms.keys()]
  }

  private handle(text: string): void | Promise<void> {
    const parsed = parseClientFrame(text)
    if (!parsed.ok) {
      const { message, ref } = parsed
      // On a room socket every refusal is about its room; on /ws, about the room it named.
      return this.refuse(errorFrame('invalid_frame', { message, ref, room: this.boundRoom ?? parsed.room }))
    }
    if (this.tracer === noopTracer) return this.dispatch(parsed.frame, undefined)
    return this.traced(parsed.frame)
  }

  private dispatch(frame: ClientFrame, span: Span | undefined): void | Promise<void> {
    switch (frame.type) {
      case 'ping':
        return this.write({ type: 'pong' })
      case 'join':
      case 'leave':
        if (this.boundRoom !== undefined) {
          return this.refuse(
            errorFrame('invalid_frame', { message: `${frame.type} is only for /ws`, room: frame.room }),
          )
        }
        return frame.type === 'join' ? this.joinByFrame(frame.room, frame.since) : this.leave(frame.room)
      case 'rooms':
        return this.listRooms(frame)
      case 'dm':
        if (this.boundRoom !== undefined) {
          const message = 'dm is only for /ws'
          return this.refuse(errorFrame('invalid_frame', { message, ref: frame.id, room: this.boundRoom }))
        }
        return this.dm(frame)
    }
    const ref = frame.type === 'send' ? frame.id : undefined
    if (this.boundRoom !== undefined && frame.room !== undefined && frame.room !== this.boundRoom) {
      // A frame naming another room must not land in this one.
      const message = `this connection is bound to room ${this.boundRoom}`
      return this.refuse(errorFrame('invalid_frame', { message, ref, room: this.boundRoom }))
    }
    const roomId = this.boundRoom ?? frame.room
    if (roomId === undefined)
      return this.refuse(errorFrame('invalid_frame', { message: 'room is required on /ws', ref }))
    const roomConn = this.rooms.get(roomId)
    if (roomConn?.move) return this.whileMoving(roomConn, frame, span)
    if (!roomConn?.handle) return this.refuse(errorFrame('not_joined', { room: roomId, ref }))
    this.route(roomConn, frame, span)
  }

  /** The `rooms` frame: a page of the user's rooms (the first, unless a `cursor` is given). */
  private async listRooms(frame: RoomsFrame): Promise<void> {
    // Each costs the store a few batched reads: charged to the join and leave bucket.
    if (!this.takeRate('too many joins, leaves and room listings; retry later')) return
    const query: MyRoomsQuery = { limit: frame.limit ?? myRoomsDefaultLimit }
    if (frame.cursor !== undefined) query.cursor = frame.cursor
    const page = await this.host.myRooms(this.user.id, query)
    if (this.ended) return
    if (!page.ok) {
      if (page.code === 'unavailable')
        this.host.logger.warn('rooms_failed', { user: this.user.id, error: String(page.cause) })
      const code = page.code === 'invalid_request' ? 'invalid_frame' : page.code
      return this.refuse(errorFrame(code, { message: page.message }))
    }
    const { ok: _, ...rooms } = page
    this.write({ type: 'rooms', ...rooms })
  }

  /**
   * The `dm` frame: a send into the caller's conversation with `to`, made if needed. The
   * connection joins the conversation first when it is not in it (a `welcome` comes first), so
   * that the `message` and what follows reach it, as after a `join`; then it is a `send`.
   */
  private async dm(frame: DmFrame): Promise<void> {
    const ref = frame.id
    if (frame.to === this.user.id)
      return this.refuse(errorFrame('invalid_frame', { message: 'invalid field "to": a dm goes to another user', ref }))
    const opened = await this.host.openConversation(this.user.id, [frame.to])
    if (this.ended) return
    if (!opened.ok) {
      if (opened.code === 'unavailable')
        this.host.logger.warn('dm_failed', { user: this.user.id, error: String(opened.cause) })
      const code = opened.code === 'invalid_request' ? 'invalid_frame' : opened.code
      const retryAfterMs = opened.code === 'rate_limited' ? opened.retryAfterMs : undefined
      return this.refuse(errorFrame(code, { message: opened.message, ref, retryAfterMs }))
    }
    const roomId = opened.roomId
    if (!this.rooms.has(roomId)) {
      const max = this.host.limits.maxRoomsPerConnection
      if (this.rooms.size >= max) {
        const message = `at most ${max} rooms per connection; leave one first`
        return this.refuse(errorFrame('limit_exceeded', { room: roomId, ref, message }))
      }
      const epoch = this.host.revocationEpoch
      const access = await this.host.authorizeOrCreate(roomId, this.user.id, 'enter')
      if (this.ended) return
      if (!access.ok) {
        const message = access.message ?? frameMessages[access.code === 'invalid_room' ? 'invalid_frame' : access.code]
        const code = access.code === 'invalid_room' ? 'invalid_frame' : access.code
        return this.refuse(errorFrame(code, { room: roomId, ref, message, retryAfterMs: access.retryAfterMs }))
      }
      await this.join(roomId, undefined, epoch)
      if (this.ended) return
      // The entry failed: its refusal (with the room) is written; this one says the dm was not sent.
      if (!this.rooms.has(roomId)) return this.refuse(errorFrame('unavailable', { room: roomId, ref }))
    }
    // Traced as part of the dm frame's span, which ends when this resolves: the send holds none.
    const send: RoomFrame = { type: 'send', id: frame.id, text: frame.text, room: roomId }
    return this.dispatch(send, undefined)
  }

  /** A room frame to the room; a send is kept until answered (bounded: `maxUnackedSends`). */
  private route(roomConn: SessionRoomConnection, frame: RoomFrame, span?: Span): void {
    if (frame.type === 'send') {
      if (!roomConn.unacked?.has(frame.id) && !this.mayQueueSend(roomConn, frame.id)) return
      roomConn.sent(frame)
      if (span) this.holdSend(roomConn.roomId, frame.id, span)
      roomConn.handle!.frame(roomConn.entry.id, frame, this.sendTrace(roomConn.roomId, frame.id))
      return
    }
    roomConn.handle!.frame(roomConn.entry.id, frame, span?.traceparent)
  }

  // --- spans (docs/operations.md "Spans"): only when a tracer is set -------------------------

  /**
   * One inbound frame's span: its own trace, linked to the upgrade's. It ends when the frame
   * is dispatched (a join: entered or refused), a send's when it is answered (ack or refusal)
   * or its room or socket goes first.
   */
  private traced(frame: ClientFrame): void | Promise<void> {
    const roomId = this.boundRoom ?? ('room' in frame ? frame.room : undefined)
    const attributes: SpanAttributes = roomId === undefined ? {} : roomAttributes(roomId, this.host.node)
    if (roomId === undefined && this.host.node !== undefined) attributes.node = this.host.node
    attributes.user_id = this.user.id
    if (frame.type === 'read') attributes.seq = frame.seq
    const span = this.tracer.startSpan(`frame ${frame.type}`, { kind: 'server', links: this.upgrade, attributes })
    this.frameSpan = span
    const done = (): void => {
      if (this.frameSpan === span) this.frameSpan = undefined
      // A send given to its room waits for its answer; anything else ends here.
      if (frame.type !== 'send' || roomId === undefined || this.sendSpans?.get(sendKey(roomId, frame.id)) !== span)
        span.end()
    }
    let result: void | Promise<void>
    try {
      result = this.dispatch(frame, span)
    } catch (err) {
      span.fail('internal')
      done()
      throw err
    }
    if (result === undefined) return done()
    return result.then(done, (err: unknown) => {
      span.fail('internal')
      done()
      throw err
    })
  }

  private holdSend(roomId: string, id: string, span: Span): void {
    this.sendSpans ??= new Map()
    const spans = this.sendSpans
    const key = sendKey(roomId, id)
    // A resend of an id still unanswered: the first span ends, the answer ends this one.
    spans.get(key)?.end()
    spans.set(key, span)
  }

  /** The span context of an unanswered send, to pass to its room (none when not tracing). */
  private sendTrace(roomId: string, id: string): string | undefined {
    return this.sendSpans === undefined ? undefined : this.sendSpans.get(sendKey(roomId, id))?.traceparent
  }

  /** The room answered a send (called by the room connection): its span ends, failed on a refusal. */
  answered(roomId: string, id: string, text: string): void {
    const spans = this.sendSpans
    if (spans === undefined) return
    const key = sendKey(roomId, id)
    const span = spans.get(key)
    if (!span) return
    spans.delete(key)
    if (text.startsWith('{"type":"error"')) span.fail(errorCodeOf(text))
    span.end()
  }

  /** Ends the spans of sends left unanswered in the room (or every room): the answer will not come here. */
  private endSendSpans(roomId?: string): void {
    const spans = this.sendSpans
    if (spans === undefined) return
    const prefix = roomId === undefined ? '' : `${roomId}\u0000`
    for (const [key, span] of spans) {
      if (!key.startsWith(prefix)) continue
      span.setAttributes({ answered: false })
      span.end()
      spans.delete(key)
    }
  }

  private mayQueueSend(roomConn: SessionRoomConnection, id: string): boolean {
    const max = this.host.limits.maxUnackedSends
    if (roomConn.pendingSends() < max) return true
    const message = `at most ${max} sends waiting for their ack in a room; wait for one`
    this.refuse(errorFrame('limit_exceeded', { room: roomConn.roomId, ref: id, message }))
    return false
  }

  /**
   * The room is being entered again: sends wait (bounded), the latest read waits, typing is
   * dropped (it is ephemeral), history is refused (the client may retry).
   */
  private whileMoving(roomConn: SessionRoomConnection, frame: RoomFrame, span: Span | undefined): void {
    const move = roomConn.move!
    switch (frame.type) {
      case 'send':
        if (!this.mayQueueSend(roomConn, frame.id)) return
        move.queued.push(frame)
        if (span) this.holdSend(roomConn.roomId, frame.id, span)
        return
      case 'read':
        if (!move.read || frame.seq > move.read.seq) move.read = frame
        return
      case 'typing':
        return
      case 'history':
        return this.refuse(
          errorFrame('unavailable', { room: roomConn.roomId, message: 'the room is moving; retry shortly' }),
        )
    }
  }

  private async joinByFrame(roomId: string, since: number | undefined): Promise<void> {
    if (!this.takeJoin(roomId)) return
    const joined = this.rooms.get(roomId)
    if (joined?.move) {
      return this.refuse(errorFrame('unavailable', { room: roomId, message: 'the room is moving; retry shortly' }))
    }
    if (joined?.handle) {
      // A join of a room already joined: a fresh entry (welcome again, replay from `since`)
      // under a new connection id; the old entry leaves once the new one is in. Reusing the
      // id would let the room (or a remote owner, which keys stand-ins by it) take the second
      // entry for the first.
      const old = { handle: joined.handle, conn: joined.entry }
      joined.renew(this.host.nextConnectionId())
      joined.handle = undefined
      await this.enterRoom(joined, since, this.host.revocationEpoch)
      old.handle.leave(old.conn.id)
      return
    }
    const max = this.host.limits.maxRoomsPerConnection
    if (this.rooms.size >= max) {
      return this.refuse(
        errorFrame('limit_exceeded', { room: roomId, message: `at most ${max} rooms per connection; leave one first` }),
      )
    }
    const epoch = this.host.revocationEpoch
    const access = await this.host.authorizeOrCreate(roomId, this.user.id, 'enter')
    if (this.ended) return
    if (!access.ok) {
      // Frames speak the error codes of docs/protocol.md "Frames": a malformed room id is a wrong field.
      if (access.code === 'invalid_room')
        return this.refuse(errorFrame('invalid_frame', { room: roomId, message: frameMessages.invalid_room }))
      if (access.cause !== undefined)
        this.host.logger.warn('join_failed', { room: roomId, user: this.user.id, error: String(access.cause) })
      return this.refuse(
        errorFrame(access.code, { room: roomId, message: access.message, retryAfterMs: access.retryAfterMs }),
      )
    }
    await this.join(roomId, since, epoch)
  }

  private async join(roomId: string, since: number | undefined, epoch: number): Promise<void> {
    const roomConn = new SessionRoomConnection(this, roomId, this.host.nextConnectionId(), epoch)
    // A join while an earlier join of the room is still entering replaces it: the earlier
    // entry must not write to the socket (two welcomes, and its messages before this one's
    // replay, would show the client a seq twice).
    this.rooms.get(roomId)?.retire()
    this.rooms.set(roomId, roomConn)
    await this.enterRoom(roomConn, since, epoch)
  }

  /** Is this entry still wanted (not left, not replaced, socket open)? */
  private isCurrent(roomConn: SessionRoomConnection, entry: EntryConnection): boolean {
    return !this.ended && this.rooms.get(roomConn.roomId) === roomConn && roomConn.entry === entry
  }

  private async enterRoom(roomConn: SessionRoomConnection, since: number | undefined, epoch: number): Promise<void> {
    const { roomId, entry } = roomConn
    roomConn.entrySince = since
    try {
      // Traced as part of its join frame, or of the upgrade for a room socket's own entry.
      const trace = this.tracer === noopTracer ? undefined : (this.frameSpan?.traceparent ?? this.upgrade[0])
      const handle = await this.host.enter(roomId, entry, since, epoch, trace)
      if (!this.isCurrent(roomConn, entry)) return handle.leave(entry.id)
      roomConn.handle = handle
      roomConn.epoch = epoch
      // Lost while its welcome was on the way: enter again from what was delivered.
      if (entry.dead) this.startMove(roomConn, 'lost while entering')
    } catch (err) {
      const final = err instanceof AccessRevokedError || err instanceof RoomClosedError
      if (!final && roomConn.welcomed && this.isCurrent(roomConn, entry)) {
        // The client already has its welcome (the room went away between the welcome and
        // the end of the entry, or this was a join of a room already joined): it stays in
        // the room, which is entered again where it lives now, as after any move.
        roomConn.handle = undefined
        return this.startMove(roomConn, 'lost while entering')
      }
      roomConn.retire()
      if (this.rooms.get(roomId) === roomConn) this.rooms.delete(roomId)
      const refusal = joinRefusal(err, roomId)
      this.host.logger.warn('join_failed', { room: roomId, user: this.user.id, error: String(err) })
      if (this.boundRoom !== undefined) {
        this.metrics.refusals.add(1, refusalCode(refusal.frame.code))
        this.write(refusal.frame)
        this.end(refusal.code, refusal.reason)
      } else {
        this.refuse(refusal.frame)
      }
    }
  }

  // --- moves: a lost room is entered again where it lives now --------------------------------

  /** The room is no longer served where this room connection reached it (called through its connection). */
  lost(roomConn: SessionRoomConnection, reason: string): void {
    if (this.ended || this.rooms.get(roomConn.roomId) !== roomConn) return
    // No handle: an entry is in progress; it sees its connection is dead when it completes.
    if (roomConn.handle) this.startMove(roomConn, reason)
  }

  /** Kicked out of one room: a room socket closes; a /ws socket keeps its other rooms and enters it again. */
  kicked(roomConn: SessionRoomConnection, code: number, reason: string): void {
    if (this.boundRoom !== undefined) return this.end(code, reason)
    roomConn.entry.dead = true
    this.lost(roomConn, reason)
  }

  private startMove(roomConn: SessionRoomConnection, reason: string): void {
    this.host.logger.info('room_lost', { room: roomConn.roomId, user: this.user.id, reason })
    roomConn.handle = undefined
    const move: Move = {
      since: roomConn.lastSeq ?? roomConn.entrySince,
      deadline: this.host.clock.now() + this.host.limits.roomMoveTimeoutMs,
      attempts: 0,
      queued: [],
      read: undefined,
      cancelRetry: undefined,
    }
    roomConn.move = move
    // Not from inside the room's own eviction: it may still be the host's actor for the room.
    void Promise.resolve().then(() => this.reenter(roomConn, move))
  }

  private async reenter(roomConn: SessionRoomConnection, move: Move): Promise<void> {
    if (this.ended || this.rooms.get(roomConn.roomId) !== roomConn || roomConn.move !== move) return
    const { roomId } = roomConn
    move.attempts++
    // Access is asked again on every re-entry: a revocation made while this node was out of
    // reach of the node that made it (paused, partitioned) must not let the member back in.
    const access = await this.host.authorizeOrCreate(roomId, this.user.id, 'enter')
    if (this.ended || this.rooms.get(roomId) !== roomConn || roomConn.move !== move) return
    if (!access.ok) {
      if (access.code === 'forbidden') return this.revoked(roomId, 'revoked')
      if (access.code === 'not_found') return this.revoked(roomId, 'closed')
      return this.retryMove(roomConn, move, `access check: ${access.code}`)
    }
    const entry = roomConn.renew(this.host.nextConnectionId())
    roomConn.entrySince = move.since
    let handle: RoomHandle
    try {
      handle = await this.host.enter(roomId, entry, move.since, roomConn.epoch)
    } catch (err) {
      if (!this.isCurrent(roomConn, entry)) return
      // Revoked or closed meanwhile: as if it had happened while in the room.
      if (err instanceof AccessRevokedError) return this.revoked(roomId, 'revoked')
      if (err instanceof RoomClosedError) return this.revoked(roomId, 'closed')
      return this.retryMove(roomConn, move, String(err))
    }
    if (!this.isCurrent(roomConn, entry)) return handle.leave(entry.id)
    if (entry.dead) {
      // The room moved again while this entry was under way (it entered an actor that was
      // being evicted): the first time, try again at once where it lives now.
      if (move.attempts === 1) return void Promise.resolve().then(() => this.reenter(roomConn, move))
      return this.retryMove(roomConn, move, 'lost while entering')
    }
    roomConn.handle = handle
    roomConn.move = undefined
    this.host.logger.info('room_reentered', {
      room: roomId,
      user: this.user.id,
      since: move.since,
      attempts: move.attempts,
    })
    // Unanswered sends first, in their order (the room answers a stored one with its original
    // ack), then what the client sent meanwhile.
    for (const frame of roomConn.unacked?.values() ?? [])
      handle.frame(entry.id, frame, this.sendTrace(roomId, frame.id))
    for (const frame of move.queued) this.route(roomConn, frame)
    if (move.read) handle.frame(entry.id, move.read)
  }

  private retryMove(roomConn: SessionRoomConnection, move: Move, error: string): void {
    const now = this.host.clock.now()
    if (now >= move.deadline) return this.giveUp(roomConn, move, error)
    // Sessions that lost the room together spread their retries a little (up to +21%), by
    // connection id: deterministic, no random numbers.
    const delay = Math.min(firstRetryMs * 2 ** (move.attempts - 1), maxRetryMs) * (1 + (roomConn.entry.id % 8) / 32)
    move.cancelRetry = this.host.clock.at(Math.min(now + delay, move.deadline), () => {
      move.cancelRetry = undefined
      void this.reenter(roomConn, move)
    })
  }

  /**
   * The cluster's live set changed (a dead owner was dropped, a node joined): rooms waiting
   * for their next retry try again now instead of sleeping through their backoff, so a
   * failover completes as soon as the cluster knows where the room lives.
   */
  retryMovesNow(): void {
    for (const roomConn of this.rooms.values()) {
      const move = roomConn.move
      if (!move?.cancelRetry) continue
      move.cancelRetry()
      move.cancelRetry = undefined
      void this.reenter(roomConn, move)
    }
  }

  /** The room could not be entered again within `roomMoveTimeoutMs`. */
  private giveUp(roomConn: SessionRoomConnection, move: Move, error: string): void {
    const { roomId } = roomConn
    this.host.logger.warn('room_move_gave_up', {
      room: roomId,
      user: this.user.id,
      since: move.since,
      attempts: move.attempts,
      error,
    })
    this.rooms.delete(roomId)
    this.endSendSpans(roomId)
    if (this.boundRoom !== undefined) this.end(CloseCode.tryAgainLater, 'room unavailable')
    else this.write({ type: 'left', room: roomId, reason: 'unavailable' })
  }

  /** Join/leave rate per connection; a refusal names the room and says when to retry. */
  private takeJoin(roomId: string): boolean {
    return this.takeRate('too many joins and leaves; retry later', roomId)
  }

  /** One of the join/leave bucket's tokens (joins, leaves, room listings), or a `rate_limited` refusal. */
  private takeRate(message: string, room?: string): boolean {
    const taken = this.joinRate.take(this.host.clock.now())
    if (taken.ok) return true
    this.refuse(errorFrame('rate_limited', { room, message, retryAfterMs: taken.retryAfterMs }))
    return false
  }

  private leave(roomId: string): void {
    if (!this.takeJoin(roomId)) return
    const roomConn = this.rooms.get(roomId)
    this.rooms.delete(roomId)
    if (roomConn) this.forget(roomConn)
    // Leaving a room one is not in is answered the same way: leave is idempotent.
    this.write({ type: 'left', room: roomId })
  }

  /** Out of the room: the room forgets the connection, a pending retry is cancelled. */
  private forget(roomConn: SessionRoomConnection): void {
    // An entry or a re-entry under way may still complete: nothing of it reaches the socket.
    roomConn.retire()
    roomConn.handle?.leave(roomConn.entry.id)
    roomConn.move?.cancelRetry?.()
    this.endSendSpans(roomConn.roomId)
  }

  get userId(): string {
    return this.user.id
  }

  /** Membership revoked or the room closed (called by the room through the connection). */
  revoked(roomId: string, reason: LeaveReason = 'revoked'): void {
    const roomConn = this.rooms.get(roomId)
    this.rooms.delete(roomId)
    // The room may not have seen it yet (a revocation applied here first): leave it there too.
    if (roomConn) this.forget(roomConn)
    if (this.boundRoom === undefined) this.write({ type: 'left', room: roomId, reason })
    else if (reason === 'closed') this.end(CloseCode.roomClosed, 'room closed')
    else this.end(CloseCode.revoked, 'revoked')
  }

  private refuse(frame: ErrorFrame): void {
    this.frameSpan?.fail(frame.code)
    this.metrics.refusals.add(1, refusalCode(frame.code))
    this.write(frame)
    if (countsAsRefusal(frame.code)) this.countRefusal()
  }

  /** Counts a refusal; closes with 1008 past the limit (called by rooms too). */
  countRefusal(): void {
    if (this.refusals.record(this.host.clock.now())) {
      this.host.logger.warn('refusal_flood', { user: this.user.id })
      this.end(CloseCode.policy, 'too many refused frames')
    }
  }

  private write(frame: object): void {
    this.transmit(JSON.stringify(frame), false)
  }

  /**
   * Every frame to the socket goes through here (the session's own replies and every room's
   * frames): past `softOutboundBytes` queued, droppable frames are dropped; past
   * `hardOutboundBytes` the socket is cut at once. `false` when the socket is gone.
   */
  transmit(text: string, droppable: boolean, room?: string): boolean {
    if (this.ended) return false
    const buffered = this.socket.bufferedAmount()
    const decision = outboundDecision(buffered, droppable, this.host.limits)
    if (decision === 'send') this.socket.send(text)
    if (decision !== 'close') return true
    this.metrics.slowConsumersClosed.add(1)
    this.host.logger.warn('slow_consumer_closed', {
      user: this.user.id,
      ...(room === undefined ? {} : { room }),
      buffered,
    })
    // A close frame would wait behind the bytes the client is not reading (and so would the
    // memory they hold): drop the connection without a handshake where the platform can.
    if (this.socket.terminate) this.socket.terminate()
    else this.socket.close(CloseCode.tryAgainLater, 'slow consumer')
    this.finish()
    return false
  }

  /** Inbound flow control (actors/core/inbound-gate.ts), before a frame is queued. */
  private admit(): boolean {
    const buffered = this.socket.bufferedAmount()
    const decision = this.inbound.frame(this.host.clock.now(), buffered, this.socket.pauseReading !== undefined)
    if (decision === 'read') return true
    if (decision === 'pause') {
      this.socket.pauseReading?.()
      return true
    }
    this.host.logger.warn(decision.close, { user: this.user.id, buffered })
    this.end(CloseCode.policy, decision.reason)
    return false
  }

  private finish(): void {
    if (this.ended) return
    this.ended = true
    if (this.expiresAt !== undefined) this.host.forgetExpiry(this.expiresAt, this)
    for (const roomConn of this.rooms.values()) this.forget(roomConn)
    this.rooms.clear()
    this.endSendSpans()
    this.host.sessionEnded(this)
  }
}

function sendKey(roomId: string, id: string): string {
  return `${roomId}\u0000${id}`
}

/** The code of an error frame's text (the room's refusal of a send): never its message. */
function errorCodeOf(text: string): string {
  try {
    const code = (JSON.parse(text) as { code?: unknown }).code
    return typeof code === 'string' ? code : 'error'
  } catch {
    return 'error'
  }
}

/** How a failed entry is answered: revoked (4403), closed (4404), else the room is unavailable (1013). */
function joinRefusal(err: unknown, roomId: string): { frame: ErrorFrame; code: number; reason: string } {
  if (err instanceof AccessRevokedError)
    return { frame: errorFrame('forbidden', { room: roomId }), code: CloseCode.revoked, reason: 'revoked' }
  if (err instanceof RoomClosedError) {
    return {
      frame: errorFrame('not_found', { room: roomId, message: 'this room is closed' }),
      code: CloseCode.roomClosed,
      reason: 'room closed',
    }
  }
  return { frame: roomUnavailable(roomId), code: CloseCode.tryAgainLater, reason: 'room unavailable' }
}

function roomUnavailable(roomId: string): ErrorFrame {
  return errorFrame('unavailable', { room: roomId, message: 'the room could not be loaded; retry shortly' })
}
