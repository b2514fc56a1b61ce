/**
 * A virtual user of the simulated cluster, behaving as a correct client should: it connects
 * to some node (a multiplexed `/ws` socket, or one `/ws/rooms/:roomId` socket per room),
 * joins its rooms, sends messages with unique ids, resends a send refused as `unavailable`
 * (or rate limited) with the same id, and when a socket closes (or stays silent too long)
 * reconnects to another node with `since` = the last seq it has, resending what was not
 * acknowledged. Everything it receives is checked as it arrives (one seq after another from
 * its first welcome, no gap, no duplicate; an ack only for its own sends) and kept for the
 * checks after the run (each message as stored, each ack as stored).
 */
import type { SocketPort } from '../../ports.ts'
import type { Session, WireMessage } from '../../host-api.ts'
import type { Rng } from './random.ts'
import type { SimClock } from './sim-clock.ts'

/** What a client needs from the simulated world. */
export interface ClientWorld {
  readonly clock: SimClock
  /** May clients send new messages now (false once the run heals and winds down)? */
  readonly sending: boolean
  /** Opens a socket at some live node; false when no node takes connections now. */
  connect(socket: SimSocket): boolean
  /** The user's session at `node` no longer has these rooms (socket closed, room left). */
  forgetMoves(node: string | undefined, user: string, rooms: readonly string[]): void
  violation(kind: string, detail: string): void
  log(line: string): void
}

export interface SentMessage {
  room: string
  text: string
  /** Clock time of the last time it was written to a socket. */
  lastSentAt: number
}

export interface AckRecord {
  room: string
  seq: number
  messageId: string
}

/** One room as this user sees it, across sockets, reconnects and moves. */
export interface RoomView {
  room: string
  /** The socket this room goes over now, once its welcome came on it. */
  welcomedOn: SimSocket | undefined
  /** The join (or bound upgrade) on the current socket is waiting for its answer since. */
  joinSentAt: number | undefined
  /** Last message seq the user has (from its first welcome on). */
  lastSeq: number | undefined
  /** Every message received, by seq. */
  seen: Map<number, WireMessage>
  /** Welcomes with `recovered: false` (too far behind: a gap the protocol allows). */
  unrecovered: number
  /** A `leave` was sent on this socket (the user rejoins once `left` comes). */
  leaving: SimSocket | undefined
  /** The `since` of the unanswered join (`joining`): its welcome's replay starts after it. */
  joinSince: number | undefined
  /** The server said the user may no longer be in the room (left revoked, 4403, forbidden). */
  revoked: boolean
  /** A `join` of the room is unanswered on this socket: one at a time, so each answer is known. */
  joining: SimSocket | undefined
  /** A join again is scheduled on this socket. */
  rejoinPending: SimSocket | undefined
  /** Every message received in `history` pages (each must be the stored one). */
  history: WireMessage[]
  /** History requests unanswered (a page or an `unavailable` without `ref` answers one). */
  historyPending: number
}

// biome-ignore lint/suspicious/noExplicitAny: frames are parsed JSON the client reads field by field; the invariants check their contents
type Frame = { type: string; [field: string]: any }

/** Client-side network delay per frame, ms; frames of one socket stay in order. */
const wireDelay: [number, number] = [0, 4]
/** A send or join unanswered this long (virtual ms): the client gives up on the socket. */
const patienceMs = 25_000

export class SimSocket implements SocketPort {
  session: Session | undefined
  /** Set by the world: the node it is open at (for the log). */
  node = ''
  /** Closed, by either side: nothing more is read or written. */
  closed = false
  /** Until then the client reads nothing: the server sees its bytes pile up (a slow consumer). */
  stalledUntil = 0
  /** A room socket's `since` at the upgrade. */
  since: number | undefined
  private lastDelivery = 0
  /** Set by the world: puts a function into the node's process (held while paused). */
  deliver: (fn: () => void) => void = () => undefined

  readonly user: SimUser
  readonly room: string | undefined
  constructor(
    user: SimUser,
    /** Bound to one room (`/ws/rooms/:roomId`), or a `/ws` socket. */
    room: string | undefined,
  ) {
    this.user = user
    this.room = room
  }

  // --- SocketPort (the server's side) ------------------------------------------------------

  send(text: string): void {
    if (this.closed) return
    const frame = JSON.parse(text) as Frame
    this.user.receive(this, frame)
    // The `duplicate-delivery` mutant: some message arrives twice.
    if (this.user.duplicates && frame.type === 'message' && this.user.rng.chance(0.01)) this.user.receive(this, frame)
  }

  bufferedAmount(): number {
    return this.user.world.clock.now() < this.stalledUntil ? 64 * 1024 * 1024 : 0
  }

  close(code: number, reason: string): void {
    if (this.closed) return
    this.closed = true
    this.user.socketClosed(this, `${code} ${reason}`)
  }

  terminate(): void {
    this.close(1006, 'terminated')
  }

  // --- the client's side -------------------------------------------------------------------

  /** Writes a frame; it reaches the session after a small delay, in order. */
  write(frame: object): void {
    if (this.closed || !this.session) return
    const text = JSON.stringify(frame)
    this.later(() => this.session!.receive(text))
  }

  /** The client closes the socket (the close reaches the server after the frames before it). */
  hangUp(why: string): void {
    if (this.closed) return
    this.closed = true
    this.later(() => {
      this.session?.closed()
      // Only now is the session gone (the node may have been paused meanwhile).
      this.user.world.forgetMoves(this.node, this.user.id, this.room === undefined ? this.user.rooms : [this.room])
    })
    this.user.socketClosed(this, `client: ${why}`)
  }

  /** The node is gone (crashed): the socket is dead with no close frame. */
  lostNode(): void {
    if (this.closed) return
    this.closed = true
    this.user.socketClosed(this, '1006 node crashed')
  }

  private later(fn: () => void): void {
    const clock = this.user.world.clock
    const at = Math.max(this.lastDelivery, clock.now() + this.user.rng.int(wireDelay[0], wireDelay[1]))
    this.lastDelivery = at
    clock.at(at, () => this.deliver(fn))
  }
}

export class SimUser {
  readonly views = new Map<string, RoomView>()
  /** Sends not yet acknowledged, by id, in the order they were first sent. */
  readonly pending = new Map<string, SentMessage>()
  readonly acked = new Map<string, AckRecord>()
  /** Every send ever made (for the check that nothing stored came from nowhere). */
  readonly sent = new Map<string, { room: string; text: string }>()
  private readonly sockets = new Map<string, SimSocket>()
  private reconnecting = new Set<string>()
  /** Sends given up (their room was revoked): a late answer to one is no surprise. */
  readonly dropped = new Set<string>()
  /** Rooms of this user that are private (a revocation is possible there). */
  readonly private = new Set<string>()
  private sends = 0
  private stopped = false

  readonly id: string
  readonly mode: 'ws' | 'bound'
  readonly rooms: readonly string[]
  readonly world: ClientWorld
  readonly rng: Rng
  readonly duplicates: boolean
  readonly rewinds: boolean
  constructor(
    id: string,
    mode: 'ws' | 'bound',
    rooms: readonly string[],
    world: ClientWorld,
    rng: Rng,
    /** Mutant: a message frame now and then delivered twice (proves the view checks bite). */
    duplicates = false,
    /** Now and then join a joined room again with an older `since` (on /ws). */
    rewinds = true,
  ) {
    this.id = id
    this.mode = mode
    this.rooms = rooms
    this.world = world
    this.rng = rng
    this.duplicates = duplicates
    this.rewinds = rewinds
    for (const room of rooms) {
      this.views.set(room, {
        room,
        welcomedOn: undefined,
        joinSentAt: undefined,
        lastSeq: undefined,
        seen: new Map(),
        unrecovered: 0,
        leaving: undefined,
        joinSince: undefined,
        revoked: false,
        joining: undefined,
        rejoinPending: undefined,
        history: [],
        historyPending: 0,
      })
    }
  }

  start(): void {
    if (this.mode === 'ws') this.open('ws')
    else for (const room of this.rooms) this.open(room)
    this.scheduleSend()
    this.schedulePatience()
  }

  /** Nothing left to do: every send acknowledged, every room welcomed on an open socket. */
  get settled(): boolean {
    if (this.pending.size > 0 || this.reconnecting.size > 0) return false
    for (const view of this.views.values())
      if (!view.revoked && (!view.welcomedOn || view.welcomedOn.closed)) return false
    return true
  }

  /** Why the user is not settled (for a report). */
  describe(): string {
    const rooms = [...this.views.values()].map(
      (v) =>
        `${v.room}:${v.revoked ? 'revoked' : v.welcomedOn && !v.welcomedOn.closed ? `in@${v.welcomedOn.node}` : 'out'}:seq${v.lastSeq ?? '-'}`,
    )
    return `${this.id} (${this.mode}) pending [${[...this.pending.keys()].join(',')}] rooms ${rooms.join(' ')}`
  }

  // --- connections -------------------------------------------------------------------------

  private open(key: string): void {
    this.reconnecting.delete(key)
    if (this.stopped || this.views.get(key)?.revoked) return
    const socket = new SimSocket(this, key === 'ws' ? undefined : key)
    this.sockets.set(key, socket)
    for (const view of this.viewsOf(socket)) {
      view.welcomedOn = undefined
      view.joinSentAt = this.world.clock.now()
    }
    if (!this.world.connect(socket)) {
      socket.closed = true
      return this.reconnectLater(key)
    }
    this.world.log(`${this.id} connects ${key} at ${socket.node}`)
    if (socket.room === undefined) for (const view of this.views.values()) if (!view.revoked) this.join(socket, view)
  }

  /** The `since` to ask with: the last seq this user has of the room, once it has one. */
  since(room: string): number | undefined {
    return this.views.get(room)!.lastSeq
  }

  private join(socket: SimSocket, view: RoomView, since = view.lastSeq): void {
    if (view.revoked || view.joining === socket) return
    view.joining = socket
    view.joinSince = since
    view.joinSentAt = this.world.clock.now()
    socket.write(since === undefined ? { type: 'join', room: view.room } : { type: 'join', room: view.room, since })
  }

  socketClosed(socket: SimSocket, why: string): void {
    const key = socket.room ?? 'ws'
    // A room socket closed as revoked (4403) or refused at the upgrade as forbidden: out for good.
    if (socket.room !== undefined && (why.startsWith('4403') || why.includes('refused: forbidden')))
      this.revoke(this.views.get(socket.room)!)
    for (const view of this.viewsOf(socket)) {
      if (view.welcomedOn === socket) view.welcomedOn = undefined
      if (view.joining === socket) view.joining = undefined
      view.historyPending = 0
    }
    this.world.forgetMoves(
      socket.node,
      this.id,
      this.viewsOf(socket).map((v) => v.room),
    )
    if (this.sockets.get(key) !== socket) return
    this.world.log(`${this.id} socket ${key} at ${socket.node} closed: ${why}`)
    this.reconnectLater(key)
  }

  private reconnectLater(key: string): void {
    if (this.reconnecting.has(key) || this.stopped) return
    this.reconnecting.add(key)
    const clock = this.world.clock
    clock.at(clock.now() + this.rng.int(50, 1500), () => this.open(key))
  }

  private viewsOf(socket: SimSocket): RoomView[] {
    return socket.room === undefined ? [...this.views.values()] : [this.views.get(socket.room)!]
  }

  // --- frames from the server --------------------------------------------------------------

  receive(socket: SimSocket, frame: Frame): void {
    const room = (frame.room ?? socket.room) as string | undefined
    const view = room === undefined ? undefined : this.views.get(room)
    if (frame.type === 'pong' || frame.type === 'typing' || frame.type === 'presence' || frame.type === 'read') return
    if (!view) {
      if (frame.type === 'error' && frame.code === 'limit_exceeded' && room === undefined) return // a connection past the per-user cap
      return this.world.violation('unexpected_frame', `${this.id} got ${JSON.stringify(frame)} for no room of theirs`)
    }
    switch (frame.type) {
      case 'welcome':
        return this.welcome(socket, view, frame)
      case 'message':
        return this.message(socket, view, frame.message as WireMessage)
      case 'ack':
        return this.ack(view, frame)
      case 'error':
        return this.error(socket, view, frame)
      case 'left':
        if (view.welcomedOn === socket) view.welcomedOn = undefined
        if (frame.reason === undefined && view.leaving === socket) {
          view.leaving = undefined
          this.world.forgetMoves(socket.node, this.id, [view.room])
          return this.rejoinLater(socket, view)
        }
        if (frame.reason === 'revoked') return this.revoke(view)
        if (frame.reason !== 'unavailable')
          return this.world.violation('unexpected_left', `${this.id}: ${JSON.stringify(frame)}`)
        return this.rejoinLater(socket, view)
      case 'history': {
        const messages = frame.messages as WireMessage[]
        messages.forEach((m, i) => {
          if (i > 0 && m.seq !== messages[i - 1]!.seq + 1) {
            this.world.violation(
              'history_not_dense',
              `${this.id} in ${view.room}: a history page has seq ${m.seq} after ${messages[i - 1]!.seq}`,
            )
          }
        })
        view.history.push(...messages)
        view.historyPending = Math.max(0, view.historyPending - 1)
        return
      }
      default:
        return this.world.violation('unexpected_frame', `${this.id}: ${JSON.stringify(frame)}`)
    }
  }

  private welcome(socket: SimSocket, view: RoomView, frame: Frame): void {
    const seq = frame.seq as number
    // The since this welcome answers: of the join on a /ws socket, of the upgrade on a room socket.
    const asked = socket.room === undefined ? (view.joining === socket ? view.joinSince : undefined) : socket.since
    if (asked !== undefined && seq < asked) {
      this.world.violation(
        'welcome_behind',
        `${this.id} in ${view.room}: welcome at seq ${seq} after asking since ${asked}`,
      )
    }
    if (frame.recovered === false) {
      // Too far behind to replay: the protocol says page history; the view restarts here.
      view.unrecovered++
      view.lastSeq = seq
    } else if (asked !== undefined && frame.recovered === true) {
      // Every message after `since` follows, some perhaps already seen (they must be the same).
      view.lastSeq = asked
    } else {
      view.lastSeq = seq
    }
    view.welcomedOn = socket
    view.leaving = undefined
    view.joining = undefined
    view.joinSentAt = undefined
    // What was never acknowledged goes again, with the same ids, in order.
    for (const [id, sent] of this.pending) if (sent.room === view.room) this.write(socket, view, id, sent)
  }

  private message(socket: SimSocket, view: RoomView, message: WireMessage): void {
    if (view.welcomedOn !== socket) {
      return this.world.violation(
        'message_before_welcome',
        `${this.id} in ${view.room}: seq ${message.seq} before its welcome`,
      )
    }
    const expected = (view.lastSeq ?? 0) + 1
    if (message.seq !== expected) {
      const what = message.seq < expected ? 'duplicate' : 'gap'
      this.world.violation(
        `view_${what}`,
        `${this.id} in ${view.room}: message seq ${message.seq} when ${expected} was next (at ${socket.node})`,
      )
    }
    const before = view.seen.get(message.seq)
    if (!before) view.seen.set(message.seq, message)
    else if (JSON.stringify(before) !== JSON.stringify(message)) {
      this.world.violation(
        'view_changed',
        `${this.id} in ${view.room}: seq ${message.seq} came again as another message`,
      )
    }
    view.lastSeq = message.seq
    // Now and then the user reads up to here (a read marker write at the owner).
    if (this.world.sending && this.rng.chance(0.05))
      socket.write(this.roomFrame(socket, view, { type: 'read', seq: message.seq }))
  }

  /** A room frame as this socket needs it: with `room` on /ws. */
  private roomFrame(socket: SimSocket, view: RoomView, frame: Record<string, unknown>): object {
    return socket.room === undefined ? { ...frame, room: view.room } : frame
  }

  private ack(view: RoomView, frame: Frame): void {
    const id = frame.id as string
    const record: AckRecord = { room: view.room, seq: frame.seq, messageId: frame.messageId }
    const before = this.acked.get(id)
    if (before) {
      if (before.seq !== record.seq || before.messageId !== record.messageId || before.room !== record.room) {
        this.world.violation(
          'ack_changed',
          `${this.id}: ${id} acked as ${JSON.stringify(before)}, then as ${JSON.stringify(record)}`,
        )
      }
    } else if (!this.pending.has(id) && !this.dropped.has(id)) {
      this.world.violation('ack_unknown', `${this.id}: ack for ${id}, never sent`)
    } else if (!view.seen.has(record.seq) && (view.lastSeq ?? 0) < record.seq) {
      this.world.violation(
        'ack_before_message',
        `${this.id} in ${view.room}: ack of ${id} (seq ${record.seq}) before its message`,
      )
    }
    if (!before) this.acked.set(id, record)
    this.pending.delete(id)
  }

  private error(socket: SimSocket, view: RoomView, frame: Frame): void {
    const ref = frame.ref as string | undefined
    const code = frame.code as string
    if (ref !== undefined && this.pending.has(ref)) {
      if (code === 'not_joined') return this.rejoinLater(socket, view)
      if (code !== 'unavailable' && code !== 'rate_limited' && code !== 'limit_exceeded' && code !== 'internal') {
        return this.world.violation('send_refused', `${this.id}: ${JSON.stringify(frame)}`)
      }
      const wait =
        code === 'rate_limited'
          ? ((frame.retryAfterMs as number) ?? 0) + this.rng.int(10, 500)
          : this.rng.int(100, 1500)
      const clock = this.world.clock
      clock.at(clock.now() + wait, () => {
        const sent = this.pending.get(ref)
        if (sent && view.welcomedOn === socket && !socket.closed) this.write(socket, view, ref, sent)
      })
      return
    }
    if (ref !== undefined) {
      if (this.acked.has(ref) || this.dropped.has(ref)) return // a late answer to a resend, or to a send given up
      return this.world.violation('error_unknown_ref', `${this.id}: ${JSON.stringify(frame)}`)
    }
    // A typing or read frame for a room the session no longer has (a join refused meanwhile).
    if (code === 'not_joined') {
      if (view.welcomedOn === socket) view.welcomedOn = undefined
      return this.rejoinLater(socket, view)
    }
    // No join waits for an answer: a history request refused while the room moves, or (a room
    // socket) an entry refused, and the server closes the socket right after.
    if (code === 'unavailable' && (socket.room !== undefined || view.joining !== socket)) {
      if (view.historyPending > 0) {
        view.historyPending--
        return
      }
      if (socket.room !== undefined) return
      // Neither a join nor a history request is unanswered: the session refused an entry it
      // had already welcomed (it has left the room; say so, and join again).
      this.world.violation(
        'refused_after_welcome',
        `${this.id} in ${view.room}: ${JSON.stringify(frame)} after the welcome of its join`,
      )
      if (view.welcomedOn === socket) view.welcomedOn = undefined
      return this.rejoinLater(socket, view, true)
    }
    // A join refused: retry later (a room socket is closed by the server after this). A join
    // of a room the socket is already in may leave it in the room (it is moving) or not (its
    // entry failed): the welcome of the next join settles which.
    view.joining = undefined
    if (code === 'unavailable' || code === 'rate_limited') {
      if (socket.room === undefined) this.rejoinLater(socket, view, true)
      return
    }
    if (code === 'forbidden' && this.private.has(view.room)) return this.revoke(view)
    this.world.violation('join_refused', `${this.id}: ${JSON.stringify(frame)}`)
  }

  private rejoinLater(socket: SimSocket, view: RoomView, evenIfIn = false): void {
    if (socket.room !== undefined || view.rejoinPending === socket) return // a room socket is closed and reconnected instead
    view.joinSentAt ??= this.world.clock.now()
    view.rejoinPending = socket
    const clock = this.world.clock
    clock.at(clock.now() + this.rng.int(100, 1500), () => {
      if (view.rejoinPending === socket) view.rejoinPending = undefined
      if (!socket.closed && this.sockets.get('ws') === socket && (evenIfIn || view.welcomedOn !== socket))
        this.join(socket, view)
    })
  }

  // --- sending -----------------------------------------------------------------------------

  private write(socket: SimSocket, view: RoomView, id: string, sent: SentMessage): void {
    sent.lastSentAt = this.world.clock.now()
    socket.write(this.roomFrame(socket, view, { type: 'send', id, text: sent.text }))
  }

  private scheduleSend(): void {
    const clock = this.world.clock
    clock.at(clock.now() + this.rng.int(200, 2500), () => {
      if (!this.world.sending) return
      const ready = [...this.views.values()].filter((v) => v.welcomedOn && !v.welcomedOn.closed && !v.leaving)
      const inFlight = this.pending.size
      const roll = this.rng.next()
      const open = [...this.sockets.values()].filter((s) => !s.closed)
      if (roll < 0.02) {
        // The user's connection drops (a phone changing networks): reconnect elsewhere with since.
        if (open.length > 0) this.rng.pick(open).hangUp('client churn')
      } else if (roll < 0.025 && open.length > 0) {
        // The client stops reading for a while: the server cuts it as a slow consumer.
        this.rng.pick(open).stalledUntil = clock.now() + this.rng.int(1_000, 5_000)
      } else if (roll < 0.035 && this.rewinds && this.mode === 'ws' && ready.length > 0) {
        // Join a room again with an older since (a client that lost its copy): the replay follows.
        const view = this.rng.pick(ready)
        if (view.joining === undefined && (view.lastSeq ?? 0) > 0) {
          const since = Math.max(0, view.lastSeq! - this.rng.int(1, 5))
          this.world.log(
            `${this.id} joins ${view.room} again with since ${since} (has ${view.lastSeq}) at ${view.welcomedOn!.node}`,
          )
          this.join(view.welcomedOn!, view, since)
        }
      } else if (roll < 0.045 && this.mode === 'ws' && ready.length > 0) {
        // Leave a room and join it again with since.
        const view = this.rng.pick(ready)
        view.leaving = view.welcomedOn
        view.welcomedOn!.write({ type: 'leave', room: view.room })
      } else if (roll < 0.06 && ready.length > 0) {
        // A page of history, the newest or before some seq.
        const view = this.rng.pick(ready)
        const last = view.lastSeq ?? 0
        const page =
          this.rng.chance(0.5) || last === 0
            ? { limit: this.rng.int(1, 20) }
            : { before: this.rng.int(1, last + 1), limit: this.rng.int(1, 20) }
        view.historyPending++
        view.welcomedOn!.write(this.roomFrame(view.welcomedOn!, view, { type: 'history', ...page }))
      } else if (roll < 0.1 && ready.length > 0) {
        const view = this.rng.pick(ready)
        view.welcomedOn!.write(this.roomFrame(view.welcomedOn!, view, { type: 'typing', active: true }))
      } else if (ready.length > 0 && inFlight < 5) {
        const view = this.rng.pick(ready)
        const id = `${this.id}.${++this.sends}`
        const sent: SentMessage = { room: view.room, text: `text of ${id}`, lastSentAt: 0 }
        this.pending.set(id, sent)
        this.sent.set(id, { room: view.room, text: sent.text })
        this.write(view.welcomedOn!, view, id, sent)
      }
      this.scheduleSend()
    })
  }

  /** A socket whose sends or joins go unanswered too long is given up, like a ping timeout. */
  private schedulePatience(): void {
    const clock = this.world.clock
    clock.at(clock.now() + 3000, () => {
      if (this.stopped) return
      const now = clock.now()
      for (const [key, socket] of this.sockets) {
        if (socket.closed) continue
        const views = this.viewsOf(socket)
        const stuckJoin = views.some(
          (v) => v.welcomedOn !== socket && v.joinSentAt !== undefined && now - v.joinSentAt > patienceMs,
        )
        const stuckSend = [...this.pending.values()].some(
          (s) => views.some((v) => v.room === s.room && v.welcomedOn === socket) && now - s.lastSentAt > patienceMs,
        )
        if (stuckJoin || stuckSend) {
          this.world.log(`${this.id} gives up on ${key} at ${socket.node} (${stuckJoin ? 'join' : 'send'} unanswered)`)
          socket.hangUp('unanswered')
        }
      }
      this.schedulePatience()
    })
  }

  /** The user may no longer be in the room: its sends there are given up, it never comes back. */
  private revoke(view: RoomView): void {
    if (view.revoked) return
    if (!this.private.has(view.room))
      return this.world.violation('revoked_public', `${this.id} revoked from ${view.room}, a public room`)
    view.revoked = true
    view.welcomedOn = undefined
    // A session that was moving the room ends its move here (without a log line).
    this.world.forgetMoves(undefined, this.id, [view.room])
    this.world.log(`${this.id} is out of ${view.room} (revoked)`)
    for (const [id, sent] of [...this.pending]) {
      if (sent.room !== view.room) continue
      this.pending.delete(id)
      this.dropped.add(id)
    }
  }

  /** The run is over: no more reconnects or timers. */
  stop(): void {
    this.stopped = true
  }
}
