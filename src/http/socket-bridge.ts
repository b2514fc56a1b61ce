/**
 * Binds one upgraded WebSocket to a host `Session`: the socket becomes a `SocketPort`,
 * inbound frames go to `session.receive`, the close goes to `session.closed`. All frame
 * handling (parsing, refusals, pings, token expiry) is the session's.
 */
import type { WSContext, WSEvents } from 'hono/ws'
import type { Logger, SocketPort } from '../../actors/ports.ts'
import type { HostApi, Session } from '../../actors/host-api.ts'
import type { Principal } from '../auth/verify.ts'
import { coalesced } from '../adapters/write-coalescing.ts'

export interface BridgeOptions {
  host: HostApi
  principal: Principal
  /** Set for `/ws/rooms/:roomId`. */
  room?: { roomId: string; since?: number; epoch?: number }
  maxFrameBytes: number
  logger: Logger
  /** The upgrade span's context: the session's frame spans link to it. */
  traceparent?: string
}

const OPEN = 1
const decoder = new TextDecoder()
const encoder = new TextEncoder()

export function sessionEvents(opts: BridgeOptions): WSEvents {
  const { host, principal, room, logger } = opts
  const fields = { userId: principal.user.id, room: room?.roomId ?? null }
  let session: Session | undefined
  return {
    onOpen(_event, ws) {
      // Binary frames arrive as ArrayBuffer (not Blob) so they can be read synchronously, in order.
      const raw = ws.raw as { binaryType?: string } | undefined
      if (raw && 'binaryType' in raw) raw.binaryType = 'arraybuffer'
      session = host.openSession({
        user: principal.user,
        socket: socketPort(ws),
        expiresAt: principal.expiresAt,
        room,
        traceparent: opts.traceparent,
      })
      logger.info('ws_open', fields)
    },
    onMessage(event, ws) {
      const text = frameText(event.data)
      // Node's `ws` refuses big frames at the header (maxPayload); Deno has no such option,
      // so this check is what enforces the limit there.
      if (overLimit(text, opts.maxFrameBytes)) {
        logger.warn('ws_frame_too_big', fields)
        ws.close(1009, 'frame too big')
        return
      }
      session?.receive(text)
    },
    onClose(event) {
      session?.closed()
      logger.info('ws_close', { ...fields, code: event.code })
    },
    onError(_event) {
      session?.closed()
      logger.warn('ws_error', fields)
    },
  }
}

/**
 * The raw socket under Hono's context is a standard WebSocket on Deno and `ws`'s WebSocket on
 * Node; both have `send(text)`, `readyState` and `bufferedAmount` with the same meaning. The
 * port talks to it directly: a broadcast to a big room calls `send` and `bufferedAmount` once
 * per recipient, and the context's wrappers cost a getter and an options object each time.
 */
interface RawSocket {
  send(text: string): void
  readonly readyState: number
  readonly bufferedAmount: number
}

function isRawSocket(raw: unknown): raw is RawSocket {
  return (
    typeof raw === 'object' &&
    raw !== null &&
    typeof (raw as RawSocket).send === 'function' &&
    'readyState' in raw &&
    'bufferedAmount' in raw
  )
}

/**
 * What `ws` (Node) has beyond the standard WebSocket: pausing reads and cutting the connection.
 * `_socket` is its net.Socket, whose 'drain' says the queued bytes have been written.
 */
interface PausableSocket {
  readonly readyState: number
  readonly isPaused: boolean
  pause(): void
  resume(): void
  terminate(): void
  send(text: string): void
  readonly _socket?: {
    readonly writableNeedDrain?: boolean
    once(event: 'drain', listener: () => void): unknown
    cork(): void
    uncork(): void
  }
}

function isPausable(raw: unknown): raw is PausableSocket {
  const r = raw as Partial<PausableSocket> | undefined
  return typeof r?.pause === 'function' && typeof r.resume === 'function' && typeof r.terminate === 'function'
}

/** Stops reading until the socket's write buffer has drained (then `ws` reads on by itself). */
function pauseUntilDrained(raw: PausableSocket): void {
  const stream = raw._socket
  // Nothing queued past Node's own high-water mark: no 'drain' will come, so do not pause.
  if (raw.isPaused || raw.readyState !== OPEN || !stream?.writableNeedDrain) return
  raw.pause()
  stream.once('drain', () => raw.resume())
}

export function socketPort(ws: WSContext): SocketPort {
  const rawSocket: unknown = ws.raw
  const raw = isRawSocket(rawSocket) ? rawSocket : undefined
  const buffered = rawSocket as { bufferedAmount?: unknown } | undefined
  const pausable = isPausable(rawSocket) ? rawSocket : undefined
  const port: SocketPort = {
    send(text) {
      try {
        if (raw) {
          if (raw.readyState === OPEN) raw.send(text)
        } else if (ws.readyState === OPEN) ws.send(text)
      } catch {
        // A broken socket reports through its close event; the session hears of it there.
      }
    },
    bufferedAmount() {
      const amount = buffered?.bufferedAmount
      return typeof amount === 'number' ? amount : 0
    },
    close(code, reason) {
      try {
        ws.close(code, truncateReason(reason))
      } catch {
        // Already closed, or a code the platform refuses: either way the socket is going.
      }
    },
  }
  if (pausable?._socket) {
    const write = coalesced(pausable._socket, (text) => pausable.send(text))
    port.send = (text) => {
      try {
        if (pausable.readyState === OPEN) write(text)
      } catch {
        // A broken socket reports through its close event; the session hears of it there.
      }
    }
  }
  if (pausable) {
    port.pauseReading = () => pauseUntilDrained(pausable)
    port.terminate = () => pausable.terminate()
  }
  return port
}

/** Binary frames are read as UTF-8 text; the session then refuses whatever is not a JSON frame. */
function frameText(data: unknown): string {
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
function truncateReason(reason: string): string {
  let out = reason
  while (encoder.encode(out).length > 123) out = out.slice(0, -1)
  return out
}
