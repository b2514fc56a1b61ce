/**
 * What the actors need from the outside world besides the store and the clock:
 * a socket to write to, the user behind it, and a log sink. Adapters (src/) provide them.
 */

/** One client socket as the session sees it: Node's `ws`, Deno's WebSocket, or a test fake. */
export interface SocketPort {
  /** Queue a text frame. Must not throw; a broken socket reports through `close`. */
  send(text: string): void
  /** Bytes queued but not yet written to the network (slow-consumer detection). */
  bufferedAmount(): number
  /** Close with a WebSocket close code. Idempotent. */
  close(code: number, reason: string): void
  /**
   * Optional: stop reading this socket's frames until its queued outbound bytes have drained,
   * then read again by itself. Idempotent while paused. Where the platform cannot pause a
   * socket (Deno's standard WebSocket) it is absent and the session counts frames instead.
   */
  pauseReading?(): void
  /**
   * Optional: drop the connection at once, without a closing handshake (a close frame would
   * wait behind every byte the peer has not read). Where absent, the session uses `close`.
   */
  terminate?(): void
}

export interface User {
  /** The token's `sub`. */
  id: string
  /** The token's `name`, if any. */
  name?: string
}

/** Structured event log: one JSON line per event in production; never message text. */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void
  warn(event: string, fields?: Record<string, unknown>): void
  error(event: string, fields?: Record<string, unknown>): void
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} }
