/**
 * One socket's session: parses and validates its frames, keeps them in order, routes them to
 * the rooms it has joined, counts refusals (1008 on a flood), answers `ping`, and closes the
 * socket when its token expires (4401). A `/ws/rooms/:roomId` socket is bound to one room;
 * a `/ws` socket joins and leaves rooms by frames.
 *
 * It is also the socket's one gate in each direction: every frame written to the socket, the
 * room's and its own, passes the outbound caps (`transmit`), and every frame read passes the
 * frame rate and the read backlog (`admit`), so a client can grow no queue of ours.
 */
import type { RoomActor } from './actor.ts'
import type { Clock } from './clock.ts'
import { outboundDecision, type LeaveReason, type RoomConnection } from './connection.ts'
import { RefusalCounter } from './core/refusals.ts'
import { InboundGate } from './core/inbound-gate.ts'
import { TokenBucket } from './core/token-bucket.ts'
import type { Limits } from './limits.ts'
import { Mailbox } from './mailbox.ts'
import type { Logger, SocketPort, User } from './ports.ts'
import { CloseCode } from './protocol/close-codes.ts'
import { countsAsRefusal, errorFrame, type ErrorFrame } from './protocol/errors.ts'
import { parseClientFrame } from './protocol/frames.ts'
import type { AccessIntent, AccessResult, OpenSessionOptions, Session } from './runtime.ts'

/** What a session needs from its host. */
export interface SessionHost {
  readonly clock: Clock
  readonly limits: Limits
  readonly logger: Logger
  /** Increases with every revocation; taken before an access check. */
  readonly revocationEpoch: number
  nextConnectionId(): number
  checkAccess(roomId: string, userId: string, intent?: AccessIntent): Promise<AccessResult>
  /** Puts the connection in the room; resolves once its welcome is sent. */
  enter(roomId: string, conn: RoomConnection, since: number | undefined, epoch: number): Promise<RoomActor>
  sessionEnded(session: SocketSession): void
  /** Ends the session with 4401 at `at` (epoch ms); `forgetExpiry` when it ends first. */
  expireAt(at: number, session: SocketSession): void
  forgetExpiry(at: number, session: SocketSession): void
}

interface Joined {
  conn: RoomConnection
  actor?: RoomActor
}

export class SocketSession implements Session {
  readonly user: User
  private readonly socket: SocketPort
  private readonly boundRoom: string | undefined
  private readonly rooms = new Map<string, Joined>()
  private readonly inbox: Mailbox
  private readonly refusals: RefusalCounter
  private readonly inbound: InboundGate
  /** `join` and `leave` frames: each costs the rooms work and may announce presence. */
  private readonly joinRate: TokenBucket
  private readonly expiresAt: number | undefined
  private ended = false

  constructor(private readonly host: SessionHost, opts: OpenSessionOptions) {
    this.user = opts.user
    this.socket = opts.socket
    this.boundRoom = opts.room?.roomId
    this.refusals = new RefusalCounter(host.limits.maxRefusals, host.limits.refusalWindowMs)
    this.inbound = new InboundGate(host.limits, host.clock.now())
    this.joinRate = new TokenBucket(host.limits.joinBurst, host.limits.joinsPerSecond, host.clock.now())
    this.inbox = new Mailbox((err) => {
      host.logger.error('session_error', { user: this.user.id, error: String(err) })
      this.write(errorFrame('internal'))
    })
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
    const frame = parsed.frame
    switch (frame.type) {
      case 'ping':
        return this.write({ type: 'pong' })
      case 'join':
      case 'leave':
        if (this.boundRoom !== undefined) {
          return this.refuse(errorFrame('invalid_frame', { message: `${frame.type} is only for /ws`, room: frame.room }))
        }
        return frame.type === 'join' ? this.joinByFrame(frame.room, frame.since) : this.leave(frame.room)
    }
    const ref = frame.type === 'send' ? frame.id : undefined
    if (this.boundRoom !== undefined && frame.room !== undefined && frame.room !== this.boundRoom) {
      // A frame naming another room must not land in this one.
      const message = `this connection is bound to room ${this.boundRoom}`
      return this.refuse(errorFrame('invalid_frame', { message, ref, room: this.boundRoom }))
    }
    const roomId = this.boundRoom ?? frame.room
    if (roomId === undefined) return this.refuse(errorFrame('invalid_frame', { message: 'room is required on /ws', ref }))
    const membership = this.rooms.get(roomId)
    if (!membership?.actor) return this.refuse(errorFrame('not_joined', { room: roomId, ref }))
    membership.actor.frame(membership.conn.id, frame)
  }

  private async joinByFrame(roomId: string, since: number | undefined): Promise<void> {
    if (!this.takeJoin(roomId)) return
    const joined = this.rooms.get(roomId)
    if (joined?.actor) {
      await this.enterRoom(roomId, joined, since, this.host.revocationEpoch)
      return
    }
    const max = this.host.limits.maxRoomsPerConnection
    if (this.rooms.size >= max) {
      return this.refuse(errorFrame('limit_exceeded', { room: roomId, message: `at most ${max} rooms per connection; leave one first` }))
    }
    const epoch = this.host.revocationEpoch
    const access = await this.host.checkAccess(roomId, this.user.id, 'enter')
    if (this.ended) return
    if (!access.ok) {
      // Frames speak the error codes of docs/protocol.md "Frames": a malformed room id is a wrong field.
      if (access.code === 'invalid_room') return this.refuse(errorFrame('invalid_frame', { room: roomId, message: 'not a valid room id' }))
      if (access.cause !== undefined) this.host.logger.warn('join_failed', { room: roomId, user: this.user.id, error: String(access.cause) })
      return this.refuse(errorFrame(access.code, { room: roomId, message: access.message, retryAfterMs: access.retryAfterMs }))
    }
    await this.join(roomId, since, epoch)
  }

  private async join(roomId: string, since: number | undefined, epoch: number): Promise<void> {
    const membership: Joined = { conn: this.connection(roomId) }
    this.rooms.set(roomId, membership)
    await this.enterRoom(roomId, membership, since, epoch)
  }

  private async enterRoom(roomId: string, membership: Joined, since: number | undefined, epoch: number): Promise<void> {
    try {
      membership.actor = await this.host.enter(roomId, membership.conn, since, epoch)
      if (this.ended) membership.actor.close(membership.conn.id)
    } catch (err) {
      this.rooms.delete(roomId)
      const refusal = joinRefusal(err, roomId)
      this.host.logger.warn('join_failed', { room: roomId, user: this.user.id, error: String(err) })
      if (this.boundRoom !== undefined) {
        this.write(refusal.frame)
        this.end(refusal.code, refusal.reason)
      } else {
        this.refuse(refusal.frame)
      }
    }
  }

  /** Join/leave rate per connection; a refusal names the room and says when to retry. */
  private takeJoin(roomId: string): boolean {
    const taken = this.joinRate.take(this.host.clock.now())
    if (taken.ok) return true
    this.refuse(errorFrame('rate_limited', { room: roomId, message: 'too many joins and leaves; retry later', retryAfterMs: taken.retryAfterMs }))
    return false
  }

  private leave(roomId: string): void {
    if (!this.takeJoin(roomId)) return
    const membership = this.rooms.get(roomId)
    this.rooms.delete(roomId)
    membership?.actor?.close(membership.conn.id)
    // Leaving a room one is not in is answered the same way: leave is idempotent.
    this.write({ type: 'left', room: roomId })
  }

  private connection(roomId: string): RoomConnection {
    return new RoomMembership(this, roomId, this.host.nextConnectionId())
  }

  /** Membership revoked or the room closed (called by the room through the connection). */
  revoked(roomId: string, reason: LeaveReason = 'revoked'): void {
    this.rooms.delete(roomId)
    if (this.boundRoom === undefined) this.write({ type: 'left', room: roomId, reason })
    else if (reason === 'closed') this.end(CloseCode.roomClosed, 'room closed')
    else this.end(CloseCode.revoked, 'revoked')
  }

  private refuse(frame: ErrorFrame): void {
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
    this.host.logger.warn('slow_consumer_closed', { user: this.user.id, ...(room === undefined ? {} : { room }), buffered })
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
    for (const { actor, conn } of this.rooms.values()) actor?.close(conn.id)
    this.rooms.clear()
    this.host.sessionEnded(this)
  }
}

/** How a failed entry is answered: revoked (4403), closed (4404), else the room is unavailable (1013). */
function joinRefusal(err: unknown, roomId: string): { frame: ErrorFrame; code: number; reason: string } {
  const name = err instanceof Error ? err.name : ''
  if (name === 'AccessRevokedError') return { frame: errorFrame('forbidden', { room: roomId }), code: CloseCode.revoked, reason: 'revoked' }
  if (name === 'RoomClosedError') {
    return { frame: errorFrame('not_found', { room: roomId, message: 'this room is closed' }), code: CloseCode.roomClosed, reason: 'room closed' }
  }
  return { frame: roomUnavailable(roomId), code: CloseCode.tryAgainLater, reason: 'room unavailable' }
}

function roomUnavailable(roomId: string): ErrorFrame {
  return errorFrame('unavailable', { room: roomId, message: 'the room could not be loaded; retry shortly' })
}

/**
 * The session's membership of one room as the room sees it. One small object per room
 * joined, with its methods on the prototype: rooms of thousands of connections hold
 * thousands of these.
 */
class RoomMembership implements RoomConnection {
  readonly userId: string

  constructor(
    private readonly session: SocketSession,
    private readonly roomId: string,
    readonly id: number,
  ) {
    this.userId = session.user.id
  }

  send(text: string, droppable = false): boolean {
    return this.session.transmit(text, droppable, this.roomId)
  }

  refused(): void {
    this.session.countRefusal()
  }

  revoked(reason?: LeaveReason): void {
    this.session.revoked(this.roomId, reason)
  }

  kick(code: number, reason: string): void {
    this.session.end(code, reason)
  }
}
