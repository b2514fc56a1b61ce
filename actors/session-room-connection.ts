/**
 * A session's room connection (actors/session.ts), one per room it is in, from join to leave
 * and across moves: the handle it reaches the room through, the `RoomConnection` of its
 * current entry (the room knows it by that), the last message seq it delivered and the sends
 * still waiting for their answer. That is what lets a room that was lost here (moved to
 * another node, its owner died or drains, fenced off) be entered again with `since` = the
 * last seq delivered and the unanswered sends resent by `id`, while the client keeps its
 * socket and sees every message once, in order (docs/guarantees.md "Moves").
 */
import type { LeaveReason, RoomConnection } from './room-connection.ts'
import type { FrameInfo, RoomHandle } from './room-handle.ts'
import type { RoomFrame, SendFrame } from './protocol/frames.ts'

type ReadFrame = Extract<RoomFrame, { type: 'read' }>

/** What a room connection needs from its session. */
export interface RoomConnectionOwner {
  readonly userId: string
  /** Writes a frame through the socket's outbound caps; `false` when the socket is gone. */
  transmit(text: string, droppable: boolean, room: string): boolean
  countRefusal(): void
  revoked(roomId: string, reason?: LeaveReason): void
  /** The room was lost (or, on /ws, kicked): enter it again. */
  lost(roomConn: SessionRoomConnection, reason: string): void
  kicked(roomConn: SessionRoomConnection, code: number, reason: string): void
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

export class SessionRoomConnection {
  handle: RoomHandle | undefined
  entry: EntryConnection
  /** The last message seq the client has (from the welcome on, each message frame after). */
  lastSeq: number | undefined
  /** The client has had a welcome for this room (a move does not send it another). */
  welcomed = false
  /** `since` of the entry in progress: decides where delivery starts after its welcome. */
  entrySince: number | undefined
  /** Revocation epoch of the entry this room connection rests on (a re-entry is checked against it). */
  epoch: number
  /** Sends given to the room and not yet answered (ack or error with their `ref`), in order. */
  unacked: Map<string, SendFrame> | undefined
  /** Set while the room is lost and being entered again. */
  move: Move | undefined
  private retired = false

  readonly owner: RoomConnectionOwner
  readonly roomId: string
  constructor(owner: RoomConnectionOwner, roomId: string, connId: number, epoch: number) {
    this.owner = owner
    this.roomId = roomId
    this.entry = new EntryConnection(this, connId)
    this.epoch = epoch
  }

  /** Replaced in its session by a new room connection to the room: nothing of it reaches the socket. */
  retire(): void {
    this.retired = true
  }

  /** A fresh connection for the next entry: the room forgets the old one, frames from it are ignored. */
  renew(connId: number): EntryConnection {
    this.entry = new EntryConnection(this, connId)
    return this.entry
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
  deliver(entry: EntryConnection, text: string, info: FrameInfo | undefined): boolean {
    // An entry replaced by a re-entry: the room may forget it.
    if (entry !== this.entry || this.retired) return false
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
 * The `RoomConnection` the room knows this session by, one per entry. Small, with its methods on
 * the prototype: rooms of thousands of connections hold thousands of these.
 */
export class EntryConnection implements RoomConnection {
  readonly userId: string
  /** The room said it was lost while an entry with this connection was in progress. */
  dead = false

  readonly roomConn: SessionRoomConnection
  readonly id: number
  constructor(roomConn: SessionRoomConnection, id: number) {
    this.roomConn = roomConn
    this.id = id
    this.userId = roomConn.owner.userId
  }

  private get current(): boolean {
    return this.roomConn.entry === this
  }

  send(text: string, info?: FrameInfo): boolean {
    return this.roomConn.deliver(this, text, info)
  }

  refused(): void {
    this.roomConn.owner.countRefusal()
  }

  revoked(reason?: LeaveReason): void {
    if (this.current) this.roomConn.owner.revoked(this.roomConn.roomId, reason)
  }

  lost(reason: string): void {
    if (!this.current) return
    this.dead = true
    this.roomConn.owner.lost(this.roomConn, reason)
  }

  kick(code: number, reason: string): void {
    if (this.current) this.roomConn.owner.kicked(this.roomConn, code, reason)
  }
}
