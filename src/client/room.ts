/**
 * One room on the client's connection: its state (seq, presence, typing, read markers), its
 * events, and its unacknowledged sends. The client (client.ts) feeds it the server's frames
 * and tells it when the connection drops; the room decides what to (re)send and delivers each
 * message once, in seq order, whatever the server replays.
 */
import { Emitter } from './emitter.ts'
import { clientError, type GuildhallError } from './errors.ts'
import type { HistoryQuery } from './http.ts'
import { Outbox } from './outbox.ts'
import { SeqGate } from './seq-gate.ts'
import { TypingThrottle, type TypingOptions } from './typing-throttle.ts'
import type { Ack, HistoryPage, Message, ServerFrame, Welcome } from './wire.ts'

export interface RoomEvents {
  /** Every (re-)entry; `recovered: false` means messages were missed: see `gap`. */
  welcome: Welcome
  /** Each message once, in seq order. */
  message: Message
  typing: { userId: string; active: boolean }
  presence: { userId: string; online: boolean }
  read: { userId: string; seq: number }
  /** Messages after `after` up to `through` (inclusive) will not be delivered: page history. */
  gap: { after: number; through: number }
  /** The room is over for this client: `leave()`, `revoked`, `closed`, a refused join, or `client_closed`. */
  left: { reason: string }
  /** A refusal that is not the answer to one `send` (those reject the send's promise). */
  error: GuildhallError
}

/** What a room needs from the client that owns the connection. */
export interface RoomLink {
  /** True when frames can go out now. */
  connected(): boolean
  transmit(frame: Record<string, unknown>): void
  now(): number
  setTimer(fn: () => void, ms: number): () => void
  /** The delay before retry number `attempt`. */
  backoff(attempt: number): number
  newId(): string
  history(room: string, query: HistoryQuery): Promise<HistoryPage>
  forget(room: Room): void
}

export interface RoomOptions {
  since?: number
  maxUnackedSends: number
  typing: TypingOptions
}

type Settle = { resolve: (ack: Ack) => void; reject: (err: GuildhallError) => void }

export class Room extends Emitter<RoomEvents> {
  readonly id: string
  /** Resolves with the first `welcome`; rejects when the join is refused. */
  readonly ready: Promise<Welcome>
  /** `joining` until welcomed (again, after a reconnect), `left` once over. */
  state: 'joining' | 'joined' | 'left' = 'joining'
  /** The room's latest seq as far as this client knows. */
  seq = 0
  /** This user's own read marker. */
  lastRead = 0
  readonly presence = new Set<string>()
  /** Users typing now (never this user). */
  readonly typingUsers = new Set<string>()
  /** Read markers of other users seen since joining. */
  readonly reads = new Map<string, number>()

  readonly #link: RoomLink
  readonly #gate: SeqGate
  readonly #outbox: Outbox
  readonly #settles = new Map<string, Settle>()
  readonly #typing: TypingThrottle
  #since: number | undefined
  #user: string | undefined
  #welcomed = false
  #joinRetries = 0
  #pendingRead = 0
  #holdUntil = 0
  #cancelHold: (() => void) | undefined
  #cancelRejoin: (() => void) | undefined
  #cancelIdle: (() => void) | undefined
  #resolveReady!: (w: Welcome) => void
  #rejectReady!: (err: GuildhallError) => void

  constructor(id: string, link: RoomLink, options: RoomOptions) {
    super()
    this.id = id
    this.#link = link
    this.#since = options.since
    this.#gate = new SeqGate(options.since ?? 0)
    this.#outbox = new Outbox(options.maxUnackedSends)
    this.#typing = new TypingThrottle(options.typing)
    this.ready = new Promise((resolve, reject) => {
      this.#resolveReady = resolve
      this.#rejectReady = reject
    })
    // Nobody has to await `ready`: a refused join is also a `left` and an `error` event.
    this.ready.catch(() => {})
  }

  /** The last seq delivered (what a re-join resumes from). */
  get lastDelivered(): number {
    return this.#gate.last
  }

  /** Sends not yet acknowledged. */
  get unacked(): number {
    return this.#outbox.size
  }

  /**
   * Posts `text`; resolves with its `ack` once the server has stored it, exactly once, through
   * reconnects and retries (the same `id` every time). Rejects on a final refusal (`too_long`,
   * `forbidden`, ...), when the room is left, or at once past `maxUnackedSends`.
   */
  send(text: string): Promise<Ack> {
    if (this.state === 'left') return Promise.reject(clientError('left', `not in room ${this.id}`, { room: this.id }))
    if (this.#outbox.full)
      return Promise.reject(
        clientError('limit_exceeded', `${this.#outbox.capacity} sends are already waiting for their ack`, {
          room: this.id,
        }),
      )
    const id = this.#link.newId()
    this.#outbox.add(id, text)
    const acked = new Promise<Ack>((resolve, reject) => this.#settles.set(id, { resolve, reject }))
    this.stopTyping()
    this.#flush()
    return acked
  }

  /** The user is typing: call on every input; frames go out throttled, and stop by themselves. */
  typing(): void {
    if (this.state !== 'joined' || !this.#link.connected()) return
    if (this.#typing.input(this.#link.now())) this.#link.transmit({ type: 'typing', room: this.id, active: true })
    this.#scheduleIdle()
  }

  /** The user stopped typing (cleared the field, say). */
  stopTyping(): void {
    this.#cancelIdle?.()
    this.#cancelIdle = undefined
    if (this.#typing.stop() && this.state === 'joined' && this.#link.connected())
      this.#link.transmit({ type: 'typing', room: this.id, active: false })
  }

  /** Moves this user's read marker to `seq` (only forward; sent again after a reconnect if needed). */
  markRead(seq: number): void {
    if (seq <= Math.max(this.lastRead, this.#pendingRead)) return
    this.#pendingRead = seq
    if (this.state === 'joined' && this.#link.connected()) this.#link.transmit({ type: 'read', room: this.id, seq })
  }

  /** A page of older (or, with `after`, newer) messages over HTTP. */
  history(query: HistoryQuery = {}): Promise<HistoryPage> {
    return this.#link.history(this.id, query)
  }

  /** Leaves the room: unacknowledged sends are rejected (`left`), and the room is over. */
  leave(): void {
    if (this.state === 'left') return
    if (this.#link.connected()) this.#link.transmit({ type: 'leave', room: this.id })
    this.stop('leave', clientError('left', `left room ${this.id}`, { room: this.id, reason: 'leave' }))
  }

  /** The room's messages as an async iterator, from now until the room is left. */
  messages(): AsyncIterableIterator<Message> {
    const buffer: Message[] = []
    let wake: ((r: IteratorResult<Message>) => void) | undefined
    let done = this.state === 'left'
    const finish = (): IteratorResult<Message> => {
      done = true
      offMessage()
      offLeft()
      wake?.({ value: undefined, done: true })
      wake = undefined
      return { value: undefined, done: true }
    }
    const offMessage = this.on('message', (m) => {
      if (wake) {
        wake({ value: m, done: false })
        wake = undefined
      } else buffer.push(m)
    })
    const offLeft = this.on('left', () => {
      if (buffer.length === 0) finish()
      else done = true
    })
    const iterator: AsyncIterableIterator<Message> = {
      next: () => {
        const m = buffer.shift()
        if (m) return Promise.resolve({ value: m, done: false })
        if (done) return Promise.resolve(finish())
        return new Promise((resolve) => (wake = resolve))
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]: () => iterator,
    }
    return iterator
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Message> {
    return this.messages()
  }

  // ---- driven by the client (client.ts) ----

  /** @internal The `join` frame for this (re-)entry: `since` = the last seq delivered once welcomed. */
  joinFrame(): Record<string, unknown> {
    const since = this.#welcomed ? this.#gate.last : this.#since
    return since === undefined ? { type: 'join', room: this.id } : { type: 'join', room: this.id, since }
  }

  /** @internal The connection dropped: the room waits to be joined again. */
  disconnected(): void {
    if (this.state === 'left') return
    this.state = 'joining'
    this.#outbox.unsend()
    this.#typing.reset()
    this.#cancelIdle?.()
    this.#cancelRejoin?.()
  }

  /** @internal A frame for this room. */
  receive(frame: ServerFrame): void {
    if (this.state === 'left') return
    switch (frame.type) {
      case 'welcome':
        return this.#welcome(frame as unknown as Welcome)
      case 'message':
        return this.#message((frame as unknown as { message: Message }).message)
      case 'ack':
        return this.#ack(frame as unknown as Ack)
      case 'typing':
        return this.#typingFrame(frame.userId as string, frame.active === true)
      case 'presence':
        return this.#presenceFrame(frame.userId as string, frame.online === true)
      case 'read':
        return this.#readFrame(frame.userId as string, frame.seq as number)
      case 'left':
        return this.#left(frame.reason as string | undefined)
      case 'error':
        return this.#error(frame)
    }
  }

  /** @internal The room is over: every waiting send is rejected with `error`. */
  stop(reason: string, error: GuildhallError): void {
    if (this.state === 'left') return
    this.state = 'left'
    for (const cancel of [this.#cancelHold, this.#cancelRejoin, this.#cancelIdle]) cancel?.()
    for (const entry of this.#outbox.drain()) {
      const settle = this.#settles.get(entry.id)
      this.#settles.delete(entry.id)
      settle?.reject(error)
    }
    if (!this.#welcomed) this.#rejectReady(error)
    this.#link.forget(this)
    this.emit('left', { reason })
  }

  #welcome(w: Welcome): void {
    const first = !this.#welcomed
    const since = first ? this.#since : this.#gate.last
    this.#welcomed = true
    this.#user = w.user
    this.#joinRetries = 0
    this.state = 'joined'
    if (since === undefined) this.#gate.skipTo(w.seq)
    else if (w.seq < this.#gate.last) {
      // The room is behind what this client saw (its history was lost): follow the room.
      this.emit('gap', { after: w.seq, through: this.#gate.last })
      this.#gate.reset(w.seq)
    } else if (w.recovered === false && w.seq > this.#gate.last) {
      this.emit('gap', { after: this.#gate.last, through: w.seq })
      this.#gate.skipTo(w.seq)
    }
    this.seq = Math.max(this.seq, w.seq)
    this.lastRead = Math.max(this.lastRead, w.lastRead)
    this.presence.clear()
    for (const u of w.presence) this.presence.add(u)
    this.typingUsers.clear()
    for (const u of w.typing) if (u !== w.user) this.typingUsers.add(u)
    if (first) this.#resolveReady(w)
    this.emit('welcome', w)
    if (this.#pendingRead > this.lastRead) this.#link.transmit({ type: 'read', room: this.id, seq: this.#pendingRead })
    this.#flush()
  }

  #message(m: Message): void {
    const before = this.#gate.last
    const verdict = this.#gate.accept(m.seq)
    if (verdict === 'duplicate') return
    if (verdict === 'gap') this.emit('gap', { after: before, through: m.seq - 1 })
    this.seq = Math.max(this.seq, m.seq)
    if (this.typingUsers.delete(m.senderId)) this.emit('typing', { userId: m.senderId, active: false })
    this.emit('message', m)
  }

  #ack(ack: Ack): void {
    if (!this.#outbox.settle(ack.id)) return
    const settle = this.#settles.get(ack.id)
    this.#settles.delete(ack.id)
    settle?.resolve({ room: this.id, id: ack.id, seq: ack.seq, messageId: ack.messageId })
  }

  #typingFrame(userId: string, active: boolean): void {
    const changed = active ? !this.typingUsers.has(userId) : this.typingUsers.has(userId)
    if (active) this.typingUsers.add(userId)
    else this.typingUsers.delete(userId)
    if (changed) this.emit('typing', { userId, active })
  }

  #presenceFrame(userId: string, online: boolean): void {
    if (online) this.presence.add(userId)
    else this.presence.delete(userId)
    if (!online) this.typingUsers.delete(userId)
    this.emit('presence', { userId, online })
  }

  #readFrame(userId: string, seq: number): void {
    if (userId === this.#user) this.lastRead = Math.max(this.lastRead, seq)
    this.reads.set(userId, Math.max(this.reads.get(userId) ?? 0, seq))
    this.emit('read', { userId, seq })
  }

  #left(reason: string | undefined): void {
    // A `left` without a reason answers this client's own `leave`: the room is already over.
    if (reason === undefined) return
    if (reason === 'unavailable') {
      // The room could not be reached for a while: enter it again, from where it stopped.
      this.state = 'joining'
      this.#outbox.unsend()
      this.#rejoinLater(this.#link.backoff(this.#joinRetries++))
      return
    }
    this.stop(reason, clientError('left', `removed from room ${this.id} (${reason})`, { room: this.id, reason }))
  }

  #error(frame: ServerFrame): void {
    const code = String(frame.code)
    const retryAfterMs = typeof frame.retryAfterMs === 'number' ? frame.retryAfterMs : undefined
    const details = { room: this.id, ref: frame.ref as string | undefined, retryAfterMs }
    const error = clientError(code, String(frame.message ?? code), details)
    const ref = typeof frame.ref === 'string' ? frame.ref : undefined
    if (ref !== undefined && this.#outbox.has(ref)) return this.#sendRefused(ref, error)
    if (this.state === 'joining') return this.#joinRefused(error)
    if (code === 'not_joined') {
      // The server no longer has this connection in the room: enter it again.
      this.state = 'joining'
      this.#outbox.unsend()
      this.#rejoinLater(0)
      return
    }
    this.emit('error', error)
  }

  #sendRefused(id: string, error: GuildhallError): void {
    switch (error.code) {
      case 'rate_limited':
      case 'unavailable':
      case 'limit_exceeded':
      case 'not_joined': {
        // Nothing was stored: send it again later, with the same id (a rate limit says when).
        const entry = this.#outbox.retry(id)!
        const wait = error.retryAfterMs ?? this.#link.backoff(entry.retries - 1)
        if (error.code === 'not_joined') {
          this.state = 'joining'
          this.#outbox.unsend()
          this.#rejoinLater(0)
        } else this.#hold(wait)
        return
      }
      default: {
        this.#outbox.settle(id)
        const settle = this.#settles.get(id)
        this.#settles.delete(id)
        settle?.reject(error)
      }
    }
  }

  #joinRefused(error: GuildhallError): void {
    if (error.code === 'rate_limited' || error.code === 'unavailable') {
      this.#rejoinLater(error.retryAfterMs ?? this.#link.backoff(this.#joinRetries++))
      return
    }
    this.emit('error', error)
    this.stop(error.code, error)
  }

  #rejoinLater(ms: number): void {
    this.#cancelRejoin?.()
    this.#cancelRejoin = this.#link.setTimer(() => {
      this.#cancelRejoin = undefined
      if (this.state === 'joining' && this.#link.connected()) this.#link.transmit(this.joinFrame())
    }, ms)
  }

  /** No send goes out for `ms` (a rate limit or an unavailable store); then the waiting ones, in order. */
  #hold(ms: number): void {
    const until = this.#link.now() + ms
    if (until <= this.#holdUntil) return
    this.#holdUntil = until
    this.#cancelHold?.()
    this.#cancelHold = this.#link.setTimer(() => {
      this.#cancelHold = undefined
      this.#flush()
    }, ms)
  }

  #flush(): void {
    if (this.state !== 'joined' || !this.#link.connected() || this.#cancelHold) return
    for (const entry of this.#outbox.takeWaiting())
      this.#link.transmit({ type: 'send', room: this.id, id: entry.id, text: entry.text })
  }

  #scheduleIdle(): void {
    const at = this.#typing.idleAt()
    if (at === undefined) return
    this.#cancelIdle?.()
    this.#cancelIdle = this.#link.setTimer(
      () => {
        this.#cancelIdle = undefined
        if (this.#typing.idle(this.#link.now())) {
          if (this.state === 'joined' && this.#link.connected())
            this.#link.transmit({ type: 'typing', room: this.id, active: false })
        } else this.#scheduleIdle()
      },
      Math.max(0, at - this.#link.now()),
    )
  }
}
