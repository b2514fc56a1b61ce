/**
 * The owner's side of one link: a gateway's connections in the rooms this node owns. Each
 * remote connection is a stand-in `RoomConnection` in the room's actor; all of one gateway's
 * stand-ins in a room share one `BroadcastGroup`, so a broadcast crosses the link once per
 * gateway, encoded once, however many of its clients are in the room (two-tier fan-out).
 * A link too slow to read is treated like a slow consumer: typing and presence are dropped
 * past `linkSoftBytes`, the link is cut past `linkHardBytes` (its gateway enters again with
 * `since`), so no queue here grows without bound.
 */
import type { LeaveReason, RoomConnection } from '../room-connection.ts'
import type { Limits } from '../limits.ts'
import type { Logger } from '../ports.ts'
import { parseClientFrame, type RoomFrame } from '../protocol/frames.ts'
import type { ErrorCode } from '../protocol/errors.ts'
import type { BroadcastGroup, FrameInfo, RoomHandle } from '../room-handle.ts'
import { roomAttributes } from '../span-attributes.ts'
import { noopTracer, type Tracer } from '../tracing.ts'
import { encodeLink } from './link-codec.ts'
import { AccessRevokedError, RoomClosedError } from '../entry-errors.ts'
import type { GatewayHeader, OpenFailure, OpFailure } from './link-frames.ts'
import { RoomUnavailableError } from '../actor.ts'
import type { PostOutcome, RoomPost } from '../room-post.ts'
import type { LinkChannel } from './ports.ts'

/** What the owner side needs from the node. */
export interface OwnerHost {
  readonly limits: Limits
  readonly logger: Logger
  nextConnectionId(): number
  /** Does this node own the room now (placement)? */
  isLocal(roomId: string): boolean
  /** The local actor, with the connection entered (welcome sent through it). */
  openLocal(roomId: string, conn: RoomConnection, since: number | undefined): Promise<RoomHandle>
  /** A gateway's post, on this node's actor: rejects with `RoomMovedError` when the room is not here. */
  postLocal(roomId: string, post: RoomPost, trace?: string): Promise<PostOutcome>
  /** A gateway's read marker, on this node's actor, as `postLocal`. */
  markReadLocal(roomId: string, userId: string, seq: number): Promise<void>
  /** Records the hop (`link.frame`) of a frame that carries a span context; default: none. */
  readonly tracer?: Tracer
  /** This node's id (the `node` span attribute). */
  readonly node?: string
}

interface Entry {
  proxy: RemoteConnection
  handle?: RoomHandle
  /** The gateway left before the open finished: leave as soon as it does. */
  left: boolean
}

export class OwnerEndpoint {
  private readonly entries = new Map<string, Entry>()
  private readonly groups = new Map<string, LinkGroup>()
  private closed = false

  private readonly host: OwnerHost
  readonly channel: LinkChannel
  constructor(host: OwnerHost, channel: LinkChannel) {
    this.host = host
    this.channel = channel
  }

  handle(header: GatewayHeader, payload: string | undefined): void {
    if (this.closed) return
    if (header.t === 'post') return this.post(header, payload ?? '')
    if (header.t === 'mark') return this.mark(header)
    const key = entryKey(header.room, header.c)
    switch (header.t) {
      case 'open':
        return this.open(header.room, header.c, header.user, header.since, header.tp)
      case 'frame': {
        const entry = this.entries.get(key)
        if (!entry?.handle) {
          // Not (or no longer) in the room here: the gateway enters again where it lives now.
          this.send({ t: 'lost', room: header.room, c: header.c, reason: 'not in the room here' })
          return
        }
        const frame = roomFrame(payload ?? '')
        if (!frame) {
          this.host.logger.warn('link_frame_invalid', { peer: this.channel.peer, room: header.room })
          return
        }
        const tracer = this.host.tracer ?? noopTracer
        if (header.tp === undefined || tracer === noopTracer) return entry.handle.frame(entry.proxy.id, frame)
        // The gateway's hop continues here: the room's work for the frame joins this trace.
        const attributes = {
          ...roomAttributes(header.room, this.host.node),
          user_id: entry.proxy.userId,
          peer: this.channel.peer,
          'frame.type': frame.type,
        }
        const span = tracer.startSpan('link.frame', { kind: 'server', parent: header.tp, attributes })
        entry.handle.frame(entry.proxy.id, frame, span.traceparent)
        span.end()
        return
      }
      case 'leave': {
        const entry = this.entries.get(key)
        if (!entry) return
        this.entries.delete(key)
        entry.proxy.gone = true
        if (entry.handle) entry.handle.leave(entry.proxy.id)
        else entry.left = true
        return
      }
    }
  }

  /** The link is gone: its connections leave every room (presence ends after its grace). */
  linkClosed(): void {
    this.closed = true
    for (const entry of this.entries.values()) {
      entry.proxy.gone = true
      entry.handle?.leave(entry.proxy.id)
      entry.left = true
    }
    this.entries.clear()
    this.groups.clear()
  }

  /** Connections of this link in rooms here (for stats and tests). */
  size(): number {
    return this.entries.size
  }

  private open(room: string, c: number, user: string, since: number | undefined, tp: string | undefined): void {
    const key = entryKey(room, c)
    if (this.entries.has(key)) return // a repeated open of the same connection: the first one answers
    if (!this.host.isLocal(room)) {
      this.send({ t: 'open_failed', room, c, reason: 'moved' })
      return
    }
    const proxy = new RemoteConnection(this, room, c, this.host.nextConnectionId(), user, this.group(room))
    const entry: Entry = { proxy, left: false }
    this.entries.set(key, entry)
    const tracer = this.host.tracer ?? noopTracer
    // The gateway's entry continues here, until the connection is in the room or refused.
    const span =
      tp === undefined || tracer === noopTracer
        ? undefined
        : tracer.startSpan('link.open', {
            kind: 'server',
            parent: tp,
            attributes: { ...roomAttributes(room, this.host.node), user_id: user, peer: this.channel.peer },
          })
    this.host.openLocal(room, proxy, since).then(
      (handle) => {
        span?.end()
        if (entry.left || proxy.gone) return handle.leave(proxy.id)
        entry.handle = handle
        this.send({ t: 'opened', room, c })
      },
      (err: unknown) => {
        if (span) {
          span.fail(openFailure(err))
          span.end()
        }
        if (this.entries.get(key) === entry) this.entries.delete(key)
        proxy.gone = true
        if (!entry.left) this.send({ t: 'open_failed', room, c, reason: openFailure(err) })
      },
    )
  }

  /** A post from the gateway: on this node's actor, answered `done` or `op_failed`. */
  private post(header: Extract<GatewayHeader, { t: 'post' }>, payload: string): void {
    const { room, r } = header
    if (!this.host.isLocal(room)) return void this.send({ t: 'op_failed', room, r, code: 'moved' })
    const frame = parseClientFrame(payload)
    if (!frame.ok || frame.frame.type !== 'send') {
      this.host.logger.warn('link_frame_invalid', { peer: this.channel.peer, room })
      this.send({ t: 'op_failed', room, r, code: 'invalid_frame' })
      return
    }
    const post: RoomPost = { senderId: header.user, id: frame.frame.id, text: frame.frame.text }
    if (header.u) post.unlimited = true
    const tracer = this.host.tracer ?? noopTracer
    const span =
      header.tp === undefined || tracer === noopTracer
        ? undefined
        : tracer.startSpan('link.post', {
            kind: 'server',
            parent: header.tp,
            attributes: { ...roomAttributes(room, this.host.node), user_id: header.user, peer: this.channel.peer },
          })
    this.host.postLocal(room, post, span?.traceparent).then(
      (outcome) => {
        span?.end()
        if (outcome.ok) {
          this.send({ t: 'done', room, r, s: outcome.seq, m: outcome.messageId, ...(!outcome.created && { o: true }) })
        } else {
          this.send({
            t: 'op_failed',
            room,
            r,
            code: outcome.code,
            ...(outcome.retryAfterMs !== undefined && { ra: outcome.retryAfterMs }),
          })
        }
      },
      (err: unknown) => {
        span?.fail(err instanceof Error ? err.name : 'failed')
        span?.end()
        this.send({ t: 'op_failed', room, r, code: opFailure(err) })
      },
    )
  }

  /** A read marker from the gateway: on this node's actor, answered `done` or `op_failed`. */
  private mark(header: Extract<GatewayHeader, { t: 'mark' }>): void {
    const { room, r } = header
    if (!this.host.isLocal(room)) return void this.send({ t: 'op_failed', room, r, code: 'moved' })
    this.host.markReadLocal(room, header.user, header.seq).then(
      () => this.send({ t: 'done', room, r }),
      (err: unknown) => this.send({ t: 'op_failed', room, r, code: opFailure(err) }),
    )
  }

  private group(room: string): LinkGroup {
    let g = this.groups.get(room)
    if (!g) {
      g = new LinkGroup(this, room)
      this.groups.set(room, g)
    }
    return g
  }

  /** The stand-in is out of the room (revoked, lost, kicked): forget it. */
  forget(proxy: RemoteConnection): void {
    const key = entryKey(proxy.room, proxy.c)
    if (this.entries.get(key)?.proxy === proxy) this.entries.delete(key)
    proxy.gone = true
  }

  /**
   * Queue a link message unless the link is over its caps. `false` when the link is gone
   * (cut now as too slow, or closed before).
   */
  send(header: Parameters<typeof encodeLink>[0], payload?: string, droppable = false): boolean {
    if (this.closed) return false
    const buffered = this.channel.bufferedAmount()
    const { linkSoftBytes, linkHardBytes } = this.host.limits
    if (buffered > linkHardBytes) {
      this.host.logger.warn('link_slow_cut', { peer: this.channel.peer, buffered })
      this.channel.terminate('slow node')
      this.linkClosed()
      return false
    }
    if (droppable && buffered > linkSoftBytes) return true
    this.channel.send(encodeLink(header, payload))
    return true
  }
}

/** One gateway connection in a room here, as the room's actor sees it. */
class RemoteConnection implements RoomConnection {
  gone = false

  private readonly endpoint: OwnerEndpoint
  readonly room: string
  readonly c: number
  readonly id: number
  readonly userId: string
  readonly group: BroadcastGroup
  constructor(
    endpoint: OwnerEndpoint,
    room: string,
    /** The gateway's id for the connection. */
    c: number,
    id: number,
    userId: string,
    group: BroadcastGroup,
  ) {
    this.endpoint = endpoint
    this.room = room
    this.c = c
    this.id = id
    this.userId = userId
    this.group = group
  }

  send(text: string, info: FrameInfo = {}): boolean {
    if (this.gone) return false
    const header: {
      t: 'to'
      room: string
      c: number
      s?: number
      d?: true
      a?: string
      w?: { seq: number; recovered?: boolean }
    } = {
      t: 'to',
      room: this.room,
      c: this.c,
    }
    if (info.seq !== undefined) header.s = info.seq
    if (info.droppable) header.d = true
    if (info.answers !== undefined) header.a = info.answers
    if (info.welcome) header.w = info.welcome
    return this.endpoint.send(header, text, info.droppable === true)
  }

  refused(code: ErrorCode): void {
    if (!this.gone) this.endpoint.send({ t: 'refused', room: this.room, c: this.c, code })
  }

  revoked(reason: LeaveReason = 'revoked'): void {
    if (this.gone) return
    this.endpoint.send({ t: 'revoked', room: this.room, c: this.c, reason })
    this.endpoint.forget(this)
  }

  lost(reason: string): void {
    if (this.gone) return
    this.endpoint.send({ t: 'lost', room: this.room, c: this.c, reason })
    this.endpoint.forget(this)
  }

  /** The room leaves this node (drain, eviction): for a remote client that is a move, not a close. */
  kick(_code: number, reason: string): void {
    this.lost(reason)
  }
}

/** All of one gateway's connections in one room: one link message per broadcast. */
class LinkGroup implements BroadcastGroup {
  private readonly endpoint: OwnerEndpoint
  private readonly room: string
  constructor(endpoint: OwnerEndpoint, room: string) {
    this.endpoint = endpoint
    this.room = room
  }

  broadcast(text: string, exceptUser: string | undefined, info: FrameInfo): void {
    const header: { t: 'b'; room: string; ex?: string; s?: number; d?: true } = { t: 'b', room: this.room }
    if (exceptUser !== undefined) header.ex = exceptUser
    if (info.seq !== undefined) header.s = info.seq
    if (info.droppable) header.d = true
    this.endpoint.send(header, text, info.droppable === true)
  }
}

function entryKey(room: string, c: number): string {
  return `${c}\u0000${room}`
}

/** A room frame carried on the link, validated as strictly as a client's. */
function roomFrame(text: string): RoomFrame | undefined {
  const parsed = parseClientFrame(text)
  if (!parsed.ok) return undefined
  const f = parsed.frame
  return f.type === 'send' || f.type === 'typing' || f.type === 'read' || f.type === 'history' ? f : undefined
}

/** A store that could not answer is `unavailable` (nothing stored); anything else means ask the new owner. */
function opFailure(err: unknown): OpFailure {
  return err instanceof RoomUnavailableError ? 'unavailable' : 'moved'
}

function openFailure(err: unknown): OpenFailure {
  if (err instanceof RoomClosedError) return 'closed'
  if (err instanceof AccessRevokedError) return 'revoked'
  return 'unavailable'
}
