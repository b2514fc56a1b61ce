/**
 * The gateway's side of one link: this node's connections in rooms the peer owns. It opens
 * each connection at the owner, forwards its frames, gives it the frames the owner sends it,
 * and fans each broadcast out to every local connection of the room with the same text (never
 * parsed or encoded again). When the link goes, every connection on it is `lost`: its session
 * enters the room again, wherever it lives now, with `since`.
 */
import type { RoomConnection } from '../room-connection.ts'
import type { RoomFrame } from '../protocol/frames.ts'
import { roomAttributes } from '../span-attributes.ts'
import { noopTracer, type Span, type Tracer } from '../tracing.ts'
import { encodeLink } from './link-codec.ts'
import { AccessRevokedError, RoomClosedError } from '../entry-errors.ts'
import type { GatewayHeader, LinkHeader, OpenFailure, OwnerHeader } from './link-frames.ts'
import { frameMessages } from '../protocol/errors.ts'
import { RoomUnavailableError } from '../actor.ts'
import { RoomMovedError, type PostOutcome, type RoomPost } from '../room-post.ts'
import type { LinkChannel } from './ports.ts'

interface Entry {
  conn: RoomConnection
  room: string
  /** The owner sent the welcome: broadcasts from now on are for this connection. */
  entered: boolean
  opening?: { resolve: () => void; reject: (err: Error) => void; span?: Span }
}

/** The owner could not open the room (it moved, or is unavailable): the session enters it again. */
export class RoomOpenError extends Error {
  override name = 'RoomOpenError'
  readonly reason: OpenFailure
  constructor(reason: OpenFailure) {
    super(`the owner refused the entry: ${reason}`)
    this.reason = reason
  }
}

/**
 * What an `open_failed` rejects with: for a closed room or a revoked member the error a local
 * entry throws, so the session refuses the same way wherever the room lives.
 */
export function openFailedError(reason: OpenFailure): Error {
  const message = `the owner refused the entry: ${reason}`
  if (reason === 'closed') return new RoomClosedError(message)
  if (reason === 'revoked') return new AccessRevokedError(message)
  return new RoomOpenError(reason)
}

/** The `open_failed` reason an entry's error stands for (spans, the owner's answer). */
export function openFailureOf(err: unknown): OpenFailure | undefined {
  if (err instanceof RoomOpenError) return err.reason
  if (err instanceof RoomClosedError) return 'closed'
  if (err instanceof AccessRevokedError) return 'revoked'
  return undefined
}

/** What a `done` said (a `post`'s ack fields; nothing for a `mark`). */
type Done = { s?: number; m?: string; o?: true }

export class GatewayLink {
  private readonly entries = new Map<number, Entry>()
  private readonly rooms = new Map<string, Set<Entry>>()
  /** Operations without a connection (`post`, `mark`) waiting for the owner's answer, by request id. */
  private readonly requests = new Map<number, { room: string; answer: (done: Done | PostOutcome | Error) => void }>()
  private requestIds = 0
  private closed = false

  readonly channel: LinkChannel
  private readonly tracer: Tracer
  private readonly node?: string
  constructor(
    channel: LinkChannel,
    /** Records the hop (`link.send`) of a traced frame; default: none. */
    tracer: Tracer = noopTracer,
    node?: string,
  ) {
    this.channel = channel
    this.tracer = tracer
    this.node = node
  }

  get isClosed(): boolean {
    return this.closed
  }

  /**
   * Enter `conn` into `room` at the owner; resolves once the owner says it is in. `trace`:
   * the entry's span context; the hop (`link.open`, until the owner answers) is its child.
   */
  open(room: string, conn: RoomConnection, since: number | undefined, trace?: string): Promise<void> {
    if (this.closed) return Promise.reject(new RoomOpenError('unavailable'))
    return new Promise<void>((resolve, reject) => {
      const span =
        trace === undefined || this.tracer === noopTracer
          ? undefined
          : this.tracer.startSpan('link.open', {
              kind: 'client',
              parent: trace,
              attributes: { ...roomAttributes(room, this.node), user_id: conn.userId, peer: this.channel.peer },
            })
      const settled = (failure?: string): void => {
        if (failure !== undefined) span?.fail(failure)
        span?.end()
      }
      const opening = {
        resolve: () => {
          settled()
          resolve()
        },
        reject: (err: Error) => {
          settled(openFailureOf(err) ?? err.name)
          reject(err)
        },
      }
      const entry: Entry = { conn, room, entered: false, opening }
      this.entries.set(conn.id, entry)
      let members = this.rooms.get(room)
      if (!members) {
        members = new Set()
        this.rooms.set(room, members)
      }
      members.add(entry)
      const header: LinkHeader = { t: 'open', room, c: conn.id, user: conn.userId }
      if (since !== undefined) header.since = since
      if (span) header.tp = span.traceparent
      this.channel.send(encodeLink(header))
    })
  }

  /** `trace`: the frame's span context; the hop is its child and the owner continues it. */
  frame(connId: number, frame: RoomFrame, trace?: string): void {
    const entry = this.entries.get(connId)
    if (!entry || this.closed) return
    if (trace === undefined || this.tracer === noopTracer) {
      this.channel.send(encodeLink({ t: 'frame', room: entry.room, c: connId }, JSON.stringify(frame)))
      return
    }
    const attributes = {
      ...roomAttributes(entry.room, this.node),
      user_id: entry.conn.userId,
      peer: this.channel.peer,
      'frame.type': frame.type,
    }
    const span = this.tracer.startSpan('link.send', { kind: 'client', parent: trace, attributes })
    this.channel.send(
      encodeLink({ t: 'frame', room: entry.room, c: connId, tp: span.traceparent }, JSON.stringify(frame)),
    )
    span.end()
  }

  /**
   * A post at the owner. Resolves with the owner's answer; rejects with `RoomMovedError` when
   * the owner no longer has the room or the link goes first (ask the new owner, same `id`).
   * `trace`: the request's span context; the hop is its child and the owner continues it.
   */
  async post(room: string, post: RoomPost, trace?: string): Promise<PostOutcome> {
    const header: GatewayHeader = { t: 'post', room, r: 0, user: post.senderId }
    if (post.unlimited) header.u = true
    const span =
      trace === undefined || this.tracer === noopTracer
        ? undefined
        : this.tracer.startSpan('link.post', {
            kind: 'client',
            parent: trace,
            attributes: { ...roomAttributes(room, this.node), user_id: post.senderId, peer: this.channel.peer },
          })
    if (span) header.tp = span.traceparent
    try {
      const done = await this.request(header, JSON.stringify({ type: 'send', id: post.id, text: post.text }))
      if ('ok' in done) return done
      if (done.s === undefined || done.m === undefined) throw new RoomMovedError('a post answered without its seq')
      return { ok: true, seq: done.s, messageId: done.m, created: done.o !== true }
    } catch (err) {
      span?.fail(err instanceof Error ? err.name : 'failed')
      throw err
    } finally {
      span?.end()
    }
  }

  /** A read marker at the owner; rejects as `post` does, or with the refusal's code. */
  async markRead(room: string, user: string, seq: number): Promise<void> {
    const done = await this.request({ t: 'mark', room, r: 0, user, seq })
    if ('ok' in done && !done.ok)
      throw new RoomUnavailableError(`the owner could not store the read marker: ${done.code}`)
  }

  private request(header: GatewayHeader & { r: number }, payload?: string): Promise<Done | PostOutcome> {
    if (this.closed) return Promise.reject(new RoomMovedError('the link to the owner is closed'))
    return new Promise((resolve, reject) => {
      const r = ++this.requestIds
      header.r = r
      this.requests.set(r, { room: header.room, answer: (a) => (a instanceof Error ? reject(a) : resolve(a)) })
      this.channel.send(encodeLink(header, payload))
    })
  }

  private answer(header: Extract<OwnerHeader, { t: 'done' | 'op_failed' }>): void {
    const request = this.requests.get(header.r)
    if (!request || request.room !== header.room) return
    this.requests.delete(header.r)
    if (header.t === 'done') {
      const done: Done = {}
      if (header.s !== undefined) done.s = header.s
      if (header.m !== undefined) done.m = header.m
      if (header.o) done.o = true
      return request.answer(done)
    }
    if (header.code === 'moved') return request.answer(new RoomMovedError('the owner no longer has the room'))
    const refused: PostOutcome = { ok: false, code: header.code, message: frameMessages[header.code] }
    if (header.ra !== undefined) refused.retryAfterMs = header.ra
    request.answer(refused)
  }

  leave(connId: number): void {
    const entry = this.entries.get(connId)
    if (!entry) return
    this.remove(entry)
    if (!this.closed) this.channel.send(encodeLink({ t: 'leave', room: entry.room, c: connId }))
  }

  handle(header: OwnerHeader, payload: string | undefined): void {
    if (header.t === 'b') return this.broadcast(header.room, header.ex, header.s, header.d === true, payload ?? '')
    if (header.t === 'done' || header.t === 'op_failed') return this.answer(header)
    const entry = this.entries.get(header.c)
    if (!entry || entry.room !== header.room) return // already gone here: nothing to deliver
    switch (header.t) {
      case 'to': {
        entry.entered = true
        const info: Parameters<RoomConnection['send']>[1] = {}
        if (header.s !== undefined) info.seq = header.s
        if (header.d) info.droppable = true
        if (header.a !== undefined) info.answers = header.a
        if (header.w) info.welcome = header.w
        if (!entry.conn.send(payload ?? '', info)) this.leave(entry.conn.id)
        return
      }
      case 'opened': {
        const opening = entry.opening
        entry.opening = undefined
        opening?.resolve()
        return
      }
      case 'open_failed': {
        this.remove(entry)
        entry.opening?.reject(openFailedError(header.reason))
        return
      }
      case 'refused':
        return entry.conn.refused(header.code)
      case 'revoked':
        this.remove(entry)
        return entry.conn.revoked(header.reason)
      case 'lost':
        this.remove(entry)
        if (entry.opening) return entry.opening.reject(new RoomOpenError('moved'))
        return entry.conn.lost(header.reason)
    }
  }

  /** The link is gone: every connection on it enters its room again elsewhere. */
  linkClosed(): void {
    if (this.closed) return
    this.closed = true
    const entries = [...this.entries.values()]
    this.entries.clear()
    this.rooms.clear()
    // Whether the owner took them is unknown: each is asked again (by its `id`) where the room lives next.
    const requests = [...this.requests.values()]
    this.requests.clear()
    for (const request of requests) request.answer(new RoomMovedError('owner unreachable'))
    for (const entry of entries) {
      if (entry.opening) entry.opening.reject(new RoomOpenError('unavailable'))
      else entry.conn.lost('owner unreachable')
    }
  }

  /** Connections on this link (stats, tests). */
  size(): number {
    return this.entries.size
  }

  private broadcast(
    room: string,
    except: string | undefined,
    seq: number | undefined,
    droppable: boolean,
    text: string,
  ): void {
    const members = this.rooms.get(room)
    if (!members) return
    const info = seq === undefined ? { droppable } : { droppable, seq }
    let gone: Entry[] | undefined
    for (const entry of members) {
      // Before its welcome a connection gets nothing: what came before is in its backlog.
      if (!entry.entered || entry.conn.userId === except) continue
      if (!entry.conn.send(text, info)) {
        gone ??= []
        gone.push(entry)
      }
    }
    for (const entry of gone ?? []) this.leave(entry.conn.id)
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.conn.id)
    const members = this.rooms.get(entry.room)
    members?.delete(entry)
    if (members?.size === 0) this.rooms.delete(entry.room)
  }
}
