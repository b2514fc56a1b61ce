/**
 * A Deno WebSocket bound to its session without Hono's helper: Deno's standard WebSocket is
 * the socket port, its event handlers are shared functions that find the port on the socket
 * (`this`), and the port is one object with prototype methods holding the socket, the
 * handoff (user, room, limits) and the session. `hono/deno`'s helper kept, per socket, a
 * `WSContext` with the request's URL and four closures, and our close wrapper a second
 * context and its closures; on Deno a socket already costs the runtime far more than Node's
 * `ws` (docs/benchmarks.md "On Deno"), so ours should add as little as it can.
 */
import type { SocketPort } from '../../actors/ports.ts'
import { openSocketSession, truncateReason, type SessionHandoff, type SocketSession } from '../http/socket-bridge.ts'

const OPEN = 1
/** A close waits until the peer has sent nothing for this long... */
const quietMs = 50
/** ...but no longer than this after it was asked for. */
const maxCloseWaitMs = 1_000

const port = Symbol('guildhall.port')
type Bound = WebSocket & { [port]: DenoPort }

/** Binds a socket `Deno.upgradeWebSocket` has just returned; its session opens with the socket. */
export function bindDenoSocket(socket: WebSocket, handoff: SessionHandoff): void {
  // Binary frames arrive as ArrayBuffer (not Blob) so they can be read synchronously, in order.
  socket.binaryType = 'arraybuffer'
  ;(socket as Bound)[port] = new DenoPort(socket, handoff)
  socket.onopen = onOpen
  socket.onmessage = onMessage
  socket.onclose = onClose
  socket.onerror = onError
}

function onOpen(this: WebSocket): void {
  ;(this as Bound)[port].open()
}

function onMessage(this: WebSocket, event: MessageEvent): void {
  ;(this as Bound)[port].message(event.data as string | ArrayBuffer)
}

function onClose(this: WebSocket, event: CloseEvent): void {
  ;(this as Bound)[port].closed(event.code)
}

function onError(this: WebSocket): void {
  ;(this as Bound)[port].errored()
}

/**
 * Deno's server WebSocket drops the connection as soon as a data frame arrives after `close()`
 * (its event loop closes the resource on any message while CLOSING), whether or not its close
 * frame is out yet and with the peer's later frames unread, so the kernel resets the
 * connection: a client still sending when we close (a burst of refused frames, 1008) saw 1006
 * instead of our code. So our closes wait until the peer has stopped sending (`quietMs`
 * without a frame, at most `maxCloseWaitMs`), and the frames meanwhile are dropped: the
 * session has ended. Node's `ws` needs none of this: it reads and discards until the peer's
 * close frame.
 */
class DenoPort implements SocketPort {
  readonly #socket: WebSocket
  #handoff: SessionHandoff | undefined
  #session: SocketSession | undefined
  /** Our close was asked for: frames are dropped, `#heard` notes that one came. */
  #closing = false
  #heard = false
  #timer: ReturnType<typeof setTimeout> | undefined

  constructor(socket: WebSocket, handoff: SessionHandoff) {
    this.#socket = socket
    this.#handoff = handoff
  }

  open(): void {
    const handoff = this.#handoff
    this.#handoff = undefined
    if (!handoff) return
    try {
      this.#session = openSocketSession(handoff, this)
    } catch (err) {
      handoff.logger.error('ws_open_failed', { userId: handoff.principal.user.id, error: err })
      this.close(1011, 'internal error')
    }
  }

  message(data: string | ArrayBuffer): void {
    if (this.#closing) this.#heard = true
    else this.#session?.message(data)
  }

  closed(code: number): void {
    clearTimeout(this.#timer)
    this.#session?.closed(code)
  }

  errored(): void {
    this.#session?.errored()
  }

  send(text: string): void {
    try {
      if (this.#socket.readyState === OPEN) this.#socket.send(text)
    } catch {
      // A broken socket reports through its close event; the session hears of it there.
    }
  }

  bufferedAmount(): number {
    return this.#socket.bufferedAmount
  }

  close(code: number, reason: string): void {
    if (this.#closing) return
    this.#closing = true
    const deadline = Date.now() + maxCloseWaitMs
    const closeIfQuiet = (): void => {
      if (this.#heard && Date.now() < deadline) {
        this.#heard = false
        this.#timer = setTimeout(closeIfQuiet, quietMs)
        return
      }
      try {
        this.#socket.close(code, truncateReason(reason))
      } catch {
        // Already closed, or a code the platform refuses: either way the socket is going.
      }
    }
    this.#timer = setTimeout(closeIfQuiet, quietMs)
  }
}
