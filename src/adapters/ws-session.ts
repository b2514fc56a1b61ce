/**
 * A `ws` WebSocket (Node) bound to its session: the socket port over `ws`, which can pause
 * reading and cut the connection, and the socket's events reported to the session. The
 * listeners are shared functions that find the session on the socket (`this`), and the port
 * is one object with prototype methods: an idle connection costs no closures, and holds
 * nothing but the socket and the handoff (user, room, limits).
 */
import type { Socket } from 'node:net'
import type { RawData, WebSocket } from 'ws'
import type { SocketPort } from '../../actors/ports.ts'
import { corkForThisTurn } from './write-coalescing.ts'
import { openSocketSession, truncateReason, type SessionHandoff, type SocketSession } from '../http/socket-bridge.ts'

const OPEN = 1
const session = Symbol('guildhall.session')
type Bound = WebSocket & { [session]: SocketSession }

/** Opens the session on a socket `ws` has just upgraded, then reports its frames and close. */
export function bindSession(ws: WebSocket, handoff: SessionHandoff): void {
  const bound = ws as Bound
  try {
    bound[session] = openSocketSession(handoff, new WsPort(ws))
  } catch (err) {
    handoff.logger.error('ws_open_failed', { userId: handoff.principal.user.id, error: err })
    ws.close(1011, 'internal error')
    return
  }
  ws.on('message', onMessage)
  ws.on('close', onClose)
  ws.on('error', onError)
}

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  // `ws` hands whole messages as one Buffer (binaryType 'nodebuffer'); text frames are valid
  // UTF-8 already (`ws` closes with 1007 otherwise), binary ones are decoded by the bridge.
  const buffer = data as Buffer
  ;(this as Bound)[session].message(isBinary ? buffer : buffer.toString())
}

function onClose(this: WebSocket, code: number): void {
  ;(this as Bound)[session].closed(code)
}

function onError(this: WebSocket): void {
  ;(this as Bound)[session].errored()
}

/** `ws`'s net.Socket: its 'drain' says the queued bytes have been written. */
function netSocket(ws: WebSocket): Socket | undefined {
  return (ws as unknown as { _socket?: Socket })._socket
}

class WsPort implements SocketPort {
  readonly #ws: WebSocket

  constructor(ws: WebSocket) {
    this.#ws = ws
  }

  /** Sent with the socket corked until the current turn's work ends: one write for the turn's frames. */
  send(text: string): void {
    try {
      const ws = this.#ws
      if (ws.readyState !== OPEN) return
      const stream = netSocket(ws)
      if (stream) corkForThisTurn(stream)
      ws.send(text)
    } catch {
      // A broken socket reports through its close event; the session hears of it there.
    }
  }

  bufferedAmount(): number {
    return this.#ws.bufferedAmount
  }

  close(code: number, reason: string): void {
    try {
      this.#ws.close(code, truncateReason(reason))
    } catch {
      // Already closed, or a code `ws` refuses: either way the socket is going.
    }
  }

  /** Stops reading until the socket's write buffer has drained (then `ws` reads on by itself). */
  pauseReading(): void {
    const ws = this.#ws
    const stream = netSocket(ws)
    // Nothing queued past Node's own high-water mark: no 'drain' will come, so do not pause.
    if (ws.isPaused || ws.readyState !== OPEN || !stream?.writableNeedDrain) return
    ws.pause()
    stream.once('drain', () => ws.resume())
  }

  terminate(): void {
    this.#ws.terminate()
  }
}
