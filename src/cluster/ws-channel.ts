/**
 * One authenticated node link over a `ws` WebSocket (either side opened it): the
 * LinkChannel the cluster uses. It exists only after the handshake (link-auth.ts), so nothing
 * the peer sends before proving itself ever reaches the cluster.
 *
 * Liveness: a ping every `pingIntervalMs`; a peer from which nothing at all (message, ping or
 * pong) has arrived for `peerTimeoutMs` is cut, so a peer killed without a FIN (kill -9 of a
 * task, a lost host) or paused (SIGSTOP) is noticed within `peerTimeoutMs` + `pingIntervalMs`.
 */
import { WebSocket, type RawData } from 'ws'
import type { Logger } from '../../actors/ports.ts'
import type { LinkChannel } from '../../actors/cluster/ports.ts'

export interface ChannelTimers {
  pingIntervalMs: number
  peerTimeoutMs: number
}

export class WsChannel implements LinkChannel {
  private messageHandler?: (data: string) => void
  private closeHandler?: () => void
  /**
   * Messages that arrived before the cluster set `onMessage`, or while earlier ones wait.
   * `ws` emits every frame of one TCP read synchronously, so the peer's first messages can
   * arrive in the same turn as the handshake's end, before the cluster has its handlers set.
   */
  private pending: string[] = []
  private flushing = false
  private closed = false
  private closeFired = false
  private lastSeen = Date.now()
  private readonly ticker: ReturnType<typeof setInterval>
  private endReason = 'peer closed'
  private terminated = false

  private readonly ws: WebSocket
  readonly peer: string
  private readonly logger: Logger
  constructor(ws: WebSocket, peer: string, logger: Logger, timers: ChannelTimers) {
    this.ws = ws
    this.peer = peer
    this.logger = logger
    const seen = (): void => {
      this.lastSeen = Date.now()
    }
    ws.on('pong', seen)
    ws.on('ping', seen)
    ws.on('message', (data: RawData, isBinary: boolean) => {
      seen()
      if (isBinary) {
        // Link messages are text; a binary frame means the peer does not speak the link.
        this.logger.warn('link_frame_invalid', { peer, reason: 'binary frame' })
        this.terminate('binary frame')
        return
      }
      this.deliver(rawText(data))
    })
    ws.on('error', (err: Error) => {
      // `ws` closes the socket after an error (a frame over maxPayload: 1009); 'close' follows.
      if (!this.terminated) this.endReason = err.message
    })
    ws.on('close', (code: number) => this.ended(code))
    this.ticker = setInterval(() => {
      if (Date.now() - this.lastSeen >= timers.peerTimeoutMs) {
        this.logger.warn('link_peer_timeout', { peer, silentMs: Date.now() - this.lastSeen })
        this.terminate('peer timeout')
      } else if (ws.readyState === WebSocket.OPEN) ws.ping()
    }, timers.pingIntervalMs)
    this.ticker.unref()
    this.logger.info('link_open', { peer })
  }

  get onMessage(): (data: string) => void {
    return this.messageHandler ?? (() => {})
  }
  set onMessage(fn: (data: string) => void) {
    this.messageHandler = fn
    this.flushSoon()
  }
  get onClose(): () => void {
    return this.closeHandler ?? (() => {})
  }
  set onClose(fn: () => void) {
    this.closeHandler = fn
    this.flushSoon()
  }

  send(data: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data)
  }

  bufferedAmount(): number {
    return this.ws.bufferedAmount
  }

  terminate(reason: string): void {
    if (this.closed || this.terminated) return
    this.terminated = true
    this.endReason = reason
    this.ws.terminate()
  }

  private deliver(text: string): void {
    if (this.messageHandler && this.pending.length === 0 && !this.flushing) {
      this.call(this.messageHandler, text)
      return
    }
    this.pending.push(text)
    this.flushSoon()
  }

  private ended(code: number): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.ticker)
    this.logger.info('link_closed', { peer: this.peer, code, reason: this.endReason })
    this.flushSoon()
  }

  /** Delivers what waits, in order, then the close, once the cluster's handlers are set. */
  private flushSoon(): void {
    if (this.flushing) return
    this.flushing = true
    queueMicrotask(() => {
      this.flushing = false
      while (this.messageHandler && this.pending.length > 0) this.call(this.messageHandler, this.pending.shift()!)
      if (this.closed && this.pending.length === 0 && this.closeHandler && !this.closeFired) {
        this.closeFired = true
        this.call(this.closeHandler, undefined)
      }
    })
  }

  private call(fn: (data: string) => void, data: string | undefined): void {
    try {
      fn(data as string)
    } catch (err) {
      // A throw here would surface in `ws`'s event emitter and take the process down.
      this.logger.error('link_handler_error', { peer: this.peer, error: err })
    }
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8')
  return data.toString('utf8')
}
