/**
 * A session's membership of one room (actors/session.ts): the handle it reaches the room
 * through, the connection the room knows it by, the last message seq it delivered and the
 * sends still waiting for their answer. That is what lets a room that was lost here (moved to
 * another node, its owner died or drains, fenced off) be entered again with `since` = the
 * last seq delivered and the unanswered sends resent by `id`, while the client keeps its
 * socket and sees every message once, in order (docs/guarantees.md "Moves").
 */
import type { LeaveReason, RoomConnection } from './connection.ts'
import type { FrameInfo, RoomHandle } from './room-handle.ts'
import type { RoomFrame, SendFrame } from './protocol/frames.ts'

type ReadFrame = Extract<RoomFrame, { type: 'read' }>

/** What a membership needs from its session. */
export interface MembershipOwner {
  readonly userId: string
  /** Writes a frame through the socket's outbound caps; `false` when the socket is gone. */
  transmit(text: string, droppable: boolean, room: string): boolean
  countRefusal(): void
  revoked(roomId: string, reason?: LeaveReason): void
  /** The room was lost (or, on /ws, kicked): enter it again. */
  lost(membership: RoomMembership, reason: string): void
  kicked(membership: RoomMembership, code: number, reason: string): void
  /** The room answered the send `id` with `text` (its ack or refusal): tracing ends its span. */
  answered?(roomId: string, id: string, text: string): void
}

/** While the room is being entered again: what the client sent meanwhile, and the retry clock. */
export interface Move {
  readonly since: number | undefined
  /** Clock time after which the session gives up. */
  readonly deadline: number
  attempts: number
  /** Sends to pass on, in order, once in (counted with the unacked ones in `maxUnackedSends`). */
  readonly queued: SendFrame[]
  /** The latest `read`, passed on once in. */
  read: ReadFrame | undefined
  /** Cancels the pending retry. */
  cancelRetry: (() => void) | undefined
}

export class RoomMembership {
  handle: RoomHandle | undefined
  conn: MembershipConnection
  /** The last message seq the client has (from the welcome on, each message frame after). */
  lastSeq: number | undefined
  /** The client has had a welcome for this room (a move does not send it another). */
  welcomed = false
  /** `since` of the entry in progress: decides where delivery starts after its welcome. */
  entrySince: number | undefined
  /** Revocation epoch of the entry this membership rests on (a re-entry is checked against it). */
  epoch: number
  /** Sends given to the room and not yet answered (ack or error with their `ref`), in order. */
  unacked: Map<string, SendFrame> | undefined
  /** Set while the room is lost and being entered again. */
  move: Move | undefined
  private retired = false

  readonly owner: MembershipOwner
  readonly roomId: string
  constructor(owner: MembershipOwner, roomId: string, connId: number, epoch: number) {
    this.owner = owner
    this.roomId = roomId
    this.conn = new MembershipConnection(this, connId)
    this.epoch = epoch
  }

  /** Replaced in its session by a new membership of the room: nothing of it reaches the socket. */
  retire(): void {
    this.retired = true
  }

  /** A fresh connection for the next entry: the room forgets the old one, frames from it are ignored. */
  renew(connId: number): MembershipConnection {
    this.conn = new MembershipConnection(this, connId)
    return this.conn
  }

  /** Sends waiting for an answer, queued ones included. */
  pendingSends(): number {
    return (this.unacked?.size ?? 0) + (this.move?.queued.length ?? 0)
  }

  /** A send given to the room: kept until answered. */
  sent(frame: SendFrame): void {
    this.unacked ??= new Map()
    this.unacked.set(frame.id, frame)
  }

  /** A frame from the room to the client, with what the room says about it. */
  deliver(conn: MembershipConnection, text: string, info: FrameInfo | undefined): boolean {
    // A connection replaced by a re-entry: the room may forget it.
    if (conn !== this.conn || this.retired) return false
    const welcome = info?.welcome
    if (welcome) {
      // Delivery restarts after `since` when the room replays from there, else at the room's head.
      const since = this.entrySince
      // Recovered: the client has everything up to its `since` (even past this room's head,
      // which only an owner about to be fenced can be behind: never give those seqs again).
      const from = welcome.recovered === true && since !== undefined ? since : welcome.seq
      // Never backwards across a move: an owner that is behind (a stale one, about to be
      // fenced) must not make messages already delivered count as new again. A join the
      // client asked for starts where it asked, replaying what it already had.
      this.lastSeq = this.move && this.lastSeq !== undefined ? Math.max(this.lastSeq, from) : from
      // After a move the client already has a welcome; one with `recovered: false` tells it to page history.
      if (this.move && this.welcomed && welcome.recovered !== false) return true
      this.welcomed = true
    } else if (info?.seq !== undefined) {
      // Already delivered before the move: never a duplicate.
      if (this.lastSeq !== undefined && info.seq <= this.lastSeq) return true
      this.lastSeq = info.seq
    } else if (info?.answers !== undefined) {
      this.unacked?.delete(info.answers)
      this.owner.answered?.(this.roomId, info.answers, text)
    }
    return this.owner.transmit(text, info?.droppable === true, this.roomId)
  }
}

/**
 * The connection a room knows the membership by, one per entry. Small, with its methods on
 * the prototype: rooms of thousands of connections hold thousands of these.
 */
export class MembershipConnection implements RoomConnection {
  readonly userId: string
  /** The room said it was lost while an entry with this connection was in progress. */
  dead = false

  readonly membership: RoomMembership
  readonly id: number
  constructor(membership: RoomMembership, id: number) {
    this.membership = membership
    this.id = id
    this.userId = membership.owner.userId
  }

  private get current(): boolean {
    return this.membership.conn === this
  }

  send(text: string, info?: FrameInfo): boolean {
    return this.membership.deliver(this, text, info)
  }

  refused(): void {
    this.membership.owner.countRefusal()
  }

  revoked(reason?: LeaveReason): void {
    if (this.current) this.membership.owner.revoked(this.membership.roomId, reason)
  }

  lost(reason: string): void {
    if (!this.current) return
    this.dead = true
    this.membership.owner.lost(this.membership, reason)
  }

  kick(code: number, reason: string): void {
    if (this.current) this.membership.owner.kicked(this.membership, code, reason)
  }
}
