/**
 * The room's decisions, with no I/O, no clock and no randomness: each method takes the event
 * and `now`, updates the room's state and appends effects for the shell to perform.
 * docs/protocol.md ("Frames" to "Limits") has the rules it follows; docs/guarantees.md maps each to a test.
 */
import type { Limits } from '../limits.ts'
import { codePointLength, type SendFrame } from '../protocol/frames.ts'
import { errorFrame, type ErrorCode } from '../protocol/errors.ts'
import type { RoomSnapshot, StoredMessage } from '../store.ts'
import type { WireMessage } from '../host-api.ts'
import type { AckFrame, MessageFrame, WelcomeFrame } from '../protocol/server-frames.ts'
import type { Effect } from './effects.ts'
import { IdempotencyWindow } from './idempotency.ts'
import { Presence } from './presence.ts'
import { RecentBuffer } from './recent-buffer.ts'
import { TokenBucket } from './token-bucket.ts'
import { TypingState } from './typing.ts'
import type { SendQuota } from './user-quota.ts'
import { utf8Length } from './utf8-length.ts'

/** A send waiting for storage; every connection that sent its `id` waits for the one ack. */
interface PendingSend {
  key: string
  senderId: string
  clientId: string
  text: string
  /** UTF-8 size of `text`, charged to the sender's byte quota (refunded if not stored). */
  bytes: number
  /** The sender's rate limit was charged for it (not for an admin's or a service's post). */
  charged: boolean
  /** Who waits for its ack: connections, or the shell's ids for posts without one (`post`). */
  waiters: number[]
  message?: StoredMessage
}

export interface HistoryPage {
  messages: WireMessage[]
  more: boolean
}

export function toWire(m: StoredMessage): WireMessage {
  return { id: m.id, seq: m.seq, roomId: m.roomId, senderId: m.senderId, text: m.text, ts: m.ts }
}

export class RoomCore {
  /** Latest durable seq: every seq up to it is stored, none past it is visible. */
  seq: number
  private lastTs: number
  private readonly connUser = new Map<number, string>()
  private readonly presence: Presence
  private readonly markers = new Map<string, number>()
  private readonly buckets = new Map<string, TokenBucket>()
  private readonly typing: TypingState
  private readonly recent: RecentBuffer
  private readonly idempotency: IdempotencyWindow
  private pending: PendingSend[] = []
  private readonly pendingByKey = new Map<string, PendingSend>()
  private inflight: PendingSend[] | undefined

  readonly roomId: string
  private readonly limits: Limits
  private readonly newId: () => string
  private readonly quota: SendQuota
  constructor(
    roomId: string,
    snapshot: RoomSnapshot,
    limits: Limits,
    newId: () => string,
    /** The user's quota across every room on this node (the host's), on top of the room bucket. */
    quota: SendQuota,
  ) {
    this.roomId = roomId
    this.limits = limits
    this.newId = newId
    this.quota = quota
    this.seq = snapshot.seq
    this.presence = new Presence(limits.presenceGraceMs)
    this.lastTs = snapshot.lastTs
    this.typing = new TypingState(limits)
    this.recent = new RecentBuffer(limits.recentBufferSize)
    this.recent.push(snapshot.recent)
    this.idempotency = new IdempotencyWindow(limits.idempotencyWindowMs)
    for (const m of snapshot.idempotent) this.idempotency.remember(m)
  }

  // --- connections -------------------------------------------------------------------------

  /** Has the read marker of this user been loaded? The shell loads it before `open`. */
  knowsMarker(userId: string): boolean {
    return this.markers.has(userId)
  }

  /** Messages with seq in (since, seq] if the buffer holds them all. */
  bufferedSince(since: number): StoredMessage[] | undefined {
    return this.recent.range(Math.min(since, this.seq), this.seq)
  }

  /**
   * A connection enters. `backlog` holds the messages after `since` (from the buffer or the
   * store), or is undefined when recovery was not possible (too far behind).
   */
  open(
    conn: number,
    userId: string,
    lastRead: number,
    since: number | undefined,
    backlog: StoredMessage[] | undefined,
    out: Effect[],
  ): void {
    if (!this.markers.has(userId)) this.markers.set(userId, lastRead)
    this.connUser.set(conn, userId)
    const arrived = this.presence.add(userId, conn)

    const welcome: WelcomeFrame = {
      type: 'welcome',
      room: this.roomId,
      user: userId,
      seq: this.seq,
      lastRead: this.markers.get(userId) ?? 0,
      presence: this.presence.users(),
      typing: this.typing.users(userId),
    }
    if (since !== undefined) welcome.recovered = backlog !== undefined
    out.push({ kind: 'send', to: conn, frame: welcome })
    for (const m of backlog ?? []) out.push({ kind: 'send', to: conn, frame: this.messageFrame(m) })
    // A user back within the presence grace was never announced gone: nothing to announce.
    if (arrived) out.push(this.presenceFrame(userId, true))
  }

  /**
   * A connection leaves (socket closed, `leave`, or revoked). The user's last connection
   * stops their typing at once; their presence ends after `presenceGraceMs` (see `tick`),
   * or now when `immediate` (revocation).
   */
  close(conn: number, now: number, out: Effect[], immediate = false): void {
    const userId = this.connUser.get(conn)
    if (userId === undefined) return
    this.connUser.delete(conn)
    const left = this.presence.remove(userId, conn, now, immediate)
    if (left === 'stays') return
    this.markers.delete(userId)
    if (this.buckets.get(userId)?.isFull(now)) this.buckets.delete(userId)
    if (this.typing.stop(userId)) out.push(this.typingFrame(userId, false))
    if (left === 'offline') out.push(this.presenceFrame(userId, false))
  }

  /** Membership revoked: every connection of the user leaves the room, announced at once. */
  revoke(userId: string, now: number, out: Effect[]): void {
    const conns = this.presence.connectionsOf(userId)
    if (conns.length === 0) {
      // Gone already but still in grace: a revoked member is not "present" a moment longer.
      if (this.presence.endGrace(userId)) out.push(this.presenceFrame(userId, false))
      return
    }
    out.push({ kind: 'revoke', to: conns })
    for (const conn of conns) this.close(conn, now, out, true)
  }

  connectionCount(): number {
    return this.connUser.size
  }

  /** Users with a connection (users in their presence grace are not counted). */
  userCount(): number {
    return this.presence.connectedCount()
  }

  userOf(conn: number): string | undefined {
    return this.connUser.get(conn)
  }

  // --- frames ------------------------------------------------------------------------------

  send(conn: number, frame: SendFrame, now: number, out: Effect[]): void {
    const userId = this.connUser.get(conn)
    if (userId === undefined) return
    this.submit(conn, userId, frame, now, out, true)
  }

  /**
   * A send without a connection in the room (HTTP, a service's command): the same rules as
   * `send`, answered to `waiter` (the shell's id for the caller, never a connection's), with
   * no presence and no connection. `limited`: false for an admin's or a service's post, which
   * no rate limit applies to.
   */
  post(waiter: number, senderId: string, frame: SendFrame, now: number, out: Effect[], limited: boolean): void {
    this.submit(waiter, senderId, frame, now, out, limited)
  }

  private submit(conn: number, userId: string, frame: SendFrame, now: number, out: Effect[], limited: boolean): void {
    if (frame.text.length === 0)
      return this.refuse(conn, 'invalid_frame', out, { ref: frame.id, message: 'text must not be empty' })
    if (codePointLength(frame.text) > this.limits.maxTextLength) {
      return this.refuse(conn, 'too_long', out, {
        ref: frame.id,
        message: `text is over ${this.limits.maxTextLength} characters`,
      })
    }
    const stored = this.idempotency.find(userId, frame.id, now)
    if (stored) {
      out.push({ kind: 'send', to: conn, frame: this.ackFrame(frame.id, stored.seq, stored.messageId), original: true })
      return
    }
    const key = IdempotencyWindow.key(userId, frame.id)
    const waiting = this.pendingByKey.get(key)
    if (waiting) {
      waiting.waiters.push(conn)
      return
    }
    const bytes = utf8Length(frame.text)
    if (limited) {
      // Charged only now, after the idempotency checks: a resend of a known id costs nothing.
      const bucket = this.bucket(userId, now)
      const taken = bucket.take(now)
      if (!taken.ok) return this.refuse(conn, 'rate_limited', out, { ref: frame.id, retryAfterMs: taken.retryAfterMs })
      const quota = this.quota.takeSend(userId, bytes, now)
      if (!quota.ok) {
        bucket.refund()
        return this.refuse(conn, 'rate_limited', out, { ref: frame.id, retryAfterMs: quota.retryAfterMs })
      }
    }
    const pending: PendingSend = {
      key,
      senderId: userId,
      clientId: frame.id,
      text: frame.text,
      bytes,
      charged: limited,
      waiters: [conn],
    }
    this.pending.push(pending)
    this.pendingByKey.set(key, pending)
    out.push({ kind: 'flush' })
  }

  typingFrameIn(conn: number, active: boolean, now: number, out: Effect[]): void {
    const userId = this.connUser.get(conn)
    if (userId === undefined) return
    if (active) {
      if (this.typing.start(userId, now)) out.push(this.typingFrame(userId, true))
    } else if (this.typing.stop(userId)) {
      out.push(this.typingFrame(userId, false))
    }
  }

  read(conn: number, seq: number, out: Effect[]): void {
    const userId = this.connUser.get(conn)
    if (userId === undefined) return
    this.readAs(userId, seq, out)
  }

  /**
   * A read marker moved by the user without a connection here (HTTP): as `read`. `stored`: the
   * user's marker as read from the store (the room knows only connected users' markers).
   * `false` when there is nothing to store (not past the marker).
   */
  readAs(userId: string, seq: number, out: Effect[], stored = 0): boolean {
    const target = Math.min(seq, this.seq)
    if (target <= Math.max(this.markers.get(userId) ?? 0, stored)) return false
    out.push({ kind: 'saveRead', userId, seq: target })
    return true
  }

  /** The marker is stored: remember it and tell the room. */
  readSaved(userId: string, seq: number, out: Effect[]): void {
    const current = this.markers.get(userId)
    if (current !== undefined && seq <= current) return
    if (this.presence.hasConnections(userId)) this.markers.set(userId, seq)
    out.push({ kind: 'broadcast', frame: { type: 'read', room: this.roomId, userId, seq } })
  }

  history(conn: number, before: number | undefined, limit: number | undefined, out: Effect[]): void {
    const size = limit ?? this.limits.historyDefaultLimit
    const page = this.historyFromBuffer({ before, limit: size })
    if (page) out.push({ kind: 'send', to: conn, frame: { type: 'history', room: this.roomId, ...page } })
    else out.push({ kind: 'loadHistory', to: conn, before, limit: size })
  }

  /** A history page from memory, or undefined when the buffer does not hold all of it. */
  historyFromBuffer(q: {
    before?: number | undefined
    after?: number | undefined
    limit: number
  }): HistoryPage | undefined {
    let from: number
    let upTo: number
    let more: boolean
    if (q.after !== undefined) {
      from = Math.min(q.after, this.seq)
      upTo = Math.min(this.seq, from + q.limit)
      more = upTo < this.seq
    } else {
      upTo = q.before !== undefined ? Math.min(q.before - 1, this.seq) : this.seq
      from = Math.max(0, upTo - q.limit)
      more = from > 0
    }
    const messages = this.recent.range(from, upTo)
    return messages && { messages: messages.map(toWire), more }
  }

  // --- timers ------------------------------------------------------------------------------

  /** When the shell should call `tick` next (typing expiry, presence grace), if ever. */
  nextDeadline(): number | undefined {
    const typing = this.typing.nextDeadline()
    const presence = this.presence.nextDeadline()
    if (typing === undefined) return presence
    return presence === undefined ? typing : Math.min(typing, presence)
  }

  tick(now: number, out: Effect[]): void {
    const { stopped, started } = this.typing.expire(now)
    for (const userId of stopped) out.push(this.typingFrame(userId, false))
    for (const userId of started) out.push(this.typingFrame(userId, true))
    for (const userId of this.presence.expire(now)) out.push(this.presenceFrame(userId, false))
  }

  // --- group commit ------------------------------------------------------------------------

  hasPending(): boolean {
    return this.pending.length > 0
  }

  isWriting(): boolean {
    return this.inflight !== undefined
  }

  /**
   * Nothing to write and nobody connected: the actor may be evicted. Users in their presence
   * grace do not keep it: with no connection left nobody would hear their `online:false`,
   * and a fresh activation starts with nobody present, which is the truth by then.
   */
  isIdle(): boolean {
    return this.connUser.size === 0 && this.pending.length === 0 && this.inflight === undefined
  }

  /**
   * The next batch to store: seqs continue the durable head and `ts` strictly increases, so
   * a failed batch leaves no gap (nothing after it was numbered yet).
   */
  cutBatch(now: number): StoredMessage[] {
    if (this.inflight) throw new Error('a batch is already being written')
    const batch = this.pending.splice(0, this.limits.maxBatchSize)
    let seq = this.seq
    let ts = this.lastTs
    for (const p of batch) {
      ts = Math.max(now, ts + 1)
      p.message = {
        id: this.newId(),
        seq: ++seq,
        roomId: this.roomId,
        senderId: p.senderId,
        text: p.text,
        ts,
        clientId: p.clientId,
      }
    }
    this.inflight = batch
    this.idempotency.prune(now)
    return batch.map((p) => p.message!)
  }

  /** The batch is durable: it becomes visible, in seq order, and every waiter gets its ack. */
  batchStored(out: Effect[]): void {
    for (const p of this.takeInflight()) {
      const m = p.message!
      this.seq = m.seq
      this.lastTs = m.ts
      this.recent.push([m])
      this.idempotency.remember(m)
      this.pendingByKey.delete(p.key)
      out.push({ kind: 'broadcast', frame: this.messageFrame(m) })
      // The first waiter's send stored it; the others repeated its id while it was written.
      p.waiters.forEach((conn, i) => {
        const ack = this.ackFrame(p.clientId, m.seq, m.id)
        out.push(
          i === 0 ? { kind: 'send', to: conn, frame: ack } : { kind: 'send', to: conn, frame: ack, original: true },
        )
      })
    }
    this.flushIfPending(out)
  }

  /**
   * Messages found in the store right after this room's head, which this room did not know it
   * stored: a write that failed after it was applied (a timeout past a commit). They are the
   * room's now, in seq order: remembered, broadcast, and a send waiting with the same key is
   * answered with their ack instead of being written again.
   */
  adoptStored(messages: readonly StoredMessage[], out: Effect[]): void {
    for (const m of messages) {
      if (m.seq !== this.seq + 1) break
      this.seq = m.seq
      this.lastTs = m.ts
      this.recent.push([m])
      this.idempotency.remember(m)
      out.push({ kind: 'broadcast', frame: this.messageFrame(m) })
      const key = IdempotencyWindow.key(m.senderId, m.clientId)
      const waiting = this.pendingByKey.get(key)
      if (!waiting || waiting.message) continue
      this.pendingByKey.delete(key)
      this.pending = this.pending.filter((p) => p !== waiting)
      this.refund(waiting)
      for (const conn of waiting.waiters)
        out.push({ kind: 'send', to: conn, frame: this.ackFrame(m.clientId, m.seq, m.id) })
    }
    this.flushIfPending(out)
  }

  /** The batch was not stored: each sender hears `unavailable`, keeps its token, no seq used. */
  batchFailed(out: Effect[]): void {
    for (const p of this.takeInflight()) {
      this.pendingByKey.delete(p.key)
      this.refund(p)
      for (const conn of p.waiters) this.refuse(conn, 'unavailable', out, { ref: p.clientId })
    }
    this.flushIfPending(out)
  }

  /**
   * The room is no longer this node's to write (another owner fenced it off): nothing more is
   * written here, and every sender still waiting, in flight or queued, hears `unavailable`.
   */
  abandon(out: Effect[]): void {
    const waiting = [...this.takeInflight(), ...this.pending.splice(0)]
    for (const p of waiting) {
      this.pendingByKey.delete(p.key)
      this.refund(p)
      for (const conn of p.waiters) this.refuse(conn, 'unavailable', out, { ref: p.clientId })
    }
  }

  /**
   * Storage already holds one of the batch's messages (sent before the in-memory window):
   * its waiters get the original ack; the rest of the batch goes back to the front of the
   * queue to be numbered and written again.
   */
  batchHadDuplicate(senderId: string, clientId: string, original: StoredMessage | undefined, out: Effect[]): void {
    const batch = this.takeInflight()
    const key = IdempotencyWindow.key(senderId, clientId)
    const rest: PendingSend[] = []
    for (const p of batch) {
      p.message = undefined
      if (p.key !== key) rest.push(p)
      else if (original) {
        this.pendingByKey.delete(p.key)
        this.refund(p)
        for (const conn of p.waiters)
          out.push({
            kind: 'send',
            to: conn,
            frame: this.ackFrame(clientId, original.seq, original.id),
            original: true,
          })
      } else rest.push(p)
    }
    this.pending.unshift(...rest)
    this.flushIfPending(out)
  }

  /** What gathered during a write goes out in the next one (group commit). */
  private flushIfPending(out: Effect[]): void {
    if (this.pending.length > 0) out.push({ kind: 'flush' })
  }

  // --- helpers -----------------------------------------------------------------------------

  private takeInflight(): PendingSend[] {
    const batch = this.inflight ?? []
    this.inflight = undefined
    return batch
  }

  /** A send that was not stored (or was stored before) costs its sender nothing. */
  private refund(p: PendingSend): void {
    if (!p.charged) return
    this.buckets.get(p.senderId)?.refund()
    this.quota.refundSend(p.senderId, p.bytes)
  }

  private bucket(userId: string, now: number): TokenBucket {
    let b = this.buckets.get(userId)
    if (!b) {
      b = new TokenBucket(this.limits.sendBurst, this.limits.sendPerSecond, now)
      this.buckets.set(userId, b)
    }
    return b
  }

  private refuse(
    conn: number,
    code: ErrorCode,
    out: Effect[],
    extra: { ref?: string; message?: string; retryAfterMs?: number } = {},
  ): void {
    out.push({ kind: 'refuse', to: conn, frame: errorFrame(code, { ...extra, room: this.roomId }) })
  }

  private messageFrame(m: StoredMessage): MessageFrame {
    return { type: 'message', room: this.roomId, message: toWire(m) }
  }

  private ackFrame(id: string, seq: number, messageId: string): AckFrame {
    return { type: 'ack', room: this.roomId, id, seq, messageId }
  }

  private presenceFrame(userId: string, online: boolean): Effect {
    return { kind: 'broadcast', frame: { type: 'presence', room: this.roomId, userId, online }, exceptUser: userId }
  }

  private typingFrame(userId: string, active: boolean): Effect {
    return { kind: 'broadcast', frame: { type: 'typing', room: this.roomId, userId, active }, exceptUser: userId }
  }
}
