/**
 * Binds one upgraded WebSocket to a host `Session`: the adapter makes the socket a
 * `SocketPort` and reports its events to a `SocketSession`; inbound frames go to
 * `session.receive`, the close goes to `session.closed`. All frame handling (parsing,
 * refusals, pings, token expiry) is the session's.
 */
import type { Logger, SocketPort } from '../../actors/ports.ts'
import type { HostApi, Session } from '../../actors/host-api.ts'
import type { Principal } from '../auth/verify.ts'

/**
 * Everything a WebSocket session needs from the request that opened it, handed from the route
 * to the adapter: the user, the room and the limits, and nothing of the request itself (no
 * Hono Context, Request, IncomingMessage or URL), so an open socket keeps none of them alive.
 */
export interface SessionHandoff {
  host: HostApi
  principal: Principal
  /** Set for `/ws/rooms/:roomId`. */
  room?: { roomId: string; since?: number; epoch?: number }
  maxFrameBytes: number
  logger: Logger
  /** The upgrade span's context: the session's frame spans link to it. */
  traceparent?: string
}

/** What an adapter reports about one open socket, in the order its events arrive. */
export interface SocketSession {
  /** A data frame: text, or binary read as UTF-8. */
  message(data: string | ArrayBuffer | ArrayBufferView): void
  /** The socket is gone; idempotent (a close can follow an error). */
  closed(code: number): void
  errored(): void
}

const decoder = new TextDecoder()
const encoder = new TextEncoder()

/** Opens the host session of a socket that has just been upgraded. */
export function openSocketSession(handoff: SessionHandoff, socket: SocketPort): SocketSession {
  return new BoundSession(handoff, socket)
}

/** One object per socket, methods on the prototype: an idle connection costs no closures. */
class BoundSession implements SocketSession {
  readonly #handoff: SessionHandoff
  readonly #socket: SocketPort
  readonly #session: Session

  constructor(handoff: SessionHandoff, socket: SocketPort) {
    const { host, principal, room } = handoff
    this.#handoff = handoff
    this.#socket = socket
    this.#session = host.openSession({
      user: principal.user,
      socket,
      expiresAt: principal.expiresAt,
      room,
      traceparent: handoff.traceparent,
    })
    handoff.logger.info('ws_open', this.#fields())
  }

  message(data: string | ArrayBuffer | ArrayBufferView): void {
    const text = frameText(data)
    // Node's `ws` refuses big frames at the header (maxPayload); Deno has no such option,
    // so this check is what enforces the limit there.
    if (overLimit(text, this.#handoff.maxFrameBytes)) {
      this.#handoff.logger.warn('ws_frame_too_big', this.#fields())
      this.#socket.close(1009, 'frame too big')
      return
    }
    this.#session.receive(text)
  }

  closed(code: number): void {
    this.#session.closed()
    const { principal, room } = this.#handoff
    this.#handoff.logger.info('ws_close', { userId: principal.user.id, room: room?.roomId ?? null, code })
  }

  errored(): void {
    this.#session.closed()
    this.#handoff.logger.warn('ws_error', this.#fields())
  }

  /** Built when logged, not kept: an idle socket holds no log fields. */
  #fields(): { userId: string; room: string | null } {
    return { userId: this.#handoff.principal.user.id, room: this.#handoff.room?.roomId ?? null }
  }
}

/** Binary frames are read as UTF-8 text; the session then refuses whatever is not a JSON frame. */
function frameText(data: string | ArrayBuffer | ArrayBufferView): string {
  if (typeof data === 'string') return data
  if (data instanceof ArrayBuffer) return decoder.decode(data)
  if (ArrayBuffer.isView(data)) return decoder.decode(data)
  return ''
}

function overLimit(text: string, maxBytes: number): boolean {
  // Each UTF-16 unit is 1..3 UTF-8 bytes: only encode when the cheap bounds do not decide.
  if (text.length > maxBytes) return true
  if (text.length * 3 <= maxBytes) return false
  return encoder.encode(text).length > maxBytes
}

/** A close reason is at most 123 bytes of UTF-8 (RFC 6455 section 5.5). */
export function truncateReason(reason: string): string {
  let out = reason
  while (encoder.encode(out).length > 123) out = out.slice(0, -1)
  return out
}
