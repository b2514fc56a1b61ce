/**
 * The client: one WebSocket (`/ws`) for every room joined, reconnected with jittered
 * exponential backoff whenever it drops. On each (re)connect every room is joined again with
 * `since` = the last seq it delivered, and its unacknowledged sends go out again with their
 * original ids once it is welcomed, so nothing is lost and nothing is stored or delivered
 * twice. A token refused (close 4401, or an upgrade refused with 401) stops reconnecting
 * until `refreshToken` (or `setToken`) gives a new one.
 */
import { backoffDelay, defaultBackoff, type BackoffOptions } from './backoff.ts'
import { Emitter } from './emitter.ts'
import { clientError, type GuildhallError } from './errors.ts'
import { HttpApi, joinUrl } from './http.ts'
import { randomId } from './ids.ts'
import { Room, type RoomLink } from './room.ts'
import { tokenExpiry } from './token.ts'
import { defaultTyping, type TypingOptions } from './typing-throttle.ts'
import type { Ack, ServerFrame } from './wire.ts'

/** The parts of a Web-standard WebSocket the client uses. */
export interface WebSocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
}

export type WebSocketConstructor = new (url: string) => WebSocketLike

/** Time and timers, injectable so tests can drive them. */
export interface ClientClock {
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface ClientOptions {
  /** The server's base URL: `http(s)://host:port` (the WebSocket URL is derived from it). */
  url: string
  /** The access token (a JWT). */
  token: string
  /**
   * Asked for a new token when the server says the current one expired (4401) or refused
   * it, or when it has expired before a connect. Return undefined to stop: the client waits
   * (status `unauthorized`) until `setToken`.
   */
  refreshToken?: () => Promise<string | undefined> | string | undefined
  /** A WebSocket implementation; defaults to the global one (browsers, Deno, Node 22+). */
  WebSocket?: WebSocketConstructor
  /** A fetch implementation; defaults to the global one. */
  fetch?: typeof fetch
  /** Reconnect delays (defaults: 250 ms doubling to 15 s, half of each drawn at random). */
  backoff?: Partial<BackoffOptions>
  /** Sends per room waiting for their ack (default 100, the server's own cap). */
  maxUnackedSends?: number
  /** Typing frames: `throttleMs` (default 2000) and `idleMs` (default 5000). */
  typing?: Partial<TypingOptions>
  /** With nothing heard for this long, the client pings (default 20000). */
  heartbeatMs?: number
  /** Then, with still nothing heard for this long, the connection counts as dead (default 10000). */
  heartbeatTimeoutMs?: number
  clock?: ClientClock
  random?: () => number
  newId?: () => string
}

export type ClientStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed'

export interface ClientEvents {
  status: { status: ClientStatus; attempt?: number; delayMs?: number; code?: number; reason?: string }
  /** Errors that belong to no room (a token refused, an `error` frame without a room). */
  error: GuildhallError
}

const systemClock: ClientClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export class GuildhallClient extends Emitter<ClientEvents> {
  /** HTTP helpers: history, my rooms, conversations, devices, read markers, posting. */
  readonly http: HttpApi
  status: ClientStatus = 'idle'

  readonly #url: string
  #token: string
  readonly #options: ClientOptions
  readonly #backoff: BackoffOptions
  readonly #typing: TypingOptions
  readonly #clock: ClientClock
  readonly #random: () => number
  readonly #rooms = new Map<string, Room>()
  /** Each peer's conversation room, once known (a pair's room never changes). */
  readonly #conversations = new Map<string, string>()
  readonly #link: RoomLink
  #socket: WebSocketLike | undefined
  #open = false
  #attempt = 0
  #lastHeard = 0
  #reconnectTimer: unknown
  #heartbeatTimer: unknown
  #refreshing: Promise<boolean> | undefined

  constructor(options: ClientOptions) {
    super()
    this.#options = options
    this.#url = options.url
    this.#token = options.token
    this.#backoff = { ...defaultBackoff, ...options.backoff }
    this.#typing = { ...defaultTyping, ...options.typing }
    this.#clock = options.clock ?? systemClock
    this.#random = options.random ?? Math.random
    this.http = new HttpApi({
      url: options.url,
      token: () => this.#token,
      refreshToken: async () => ((await this.#askForToken()) ? this.#token : undefined),
      fetch: options.fetch,
    })
    const clock = this.#clock
    this.#link = {
      connected: () => this.#open,
      transmit: (frame) => this.#transmit(frame),
      now: () => clock.now(),
      setTimer: (fn, ms) => {
        const handle = clock.setTimeout(fn, ms)
        return () => clock.clearTimeout(handle)
      },
      backoff: (attempt) => backoffDelay(attempt, this.#backoff, this.#random),
      newId: options.newId ?? randomId,
      history: (room, query) => this.http.history(room, query),
      forget: (room) => {
        if (this.#rooms.get(room.id) === room) this.#rooms.delete(room.id)
      },
    }
  }

  /** The token in use. */
  get token(): string {
    return this.#token
  }

  /** Joins `room` (or returns it if joined): await `room.ready` for its first welcome. */
  join(room: string, options: { since?: number } = {}): Room {
    if (this.status === 'closed') throw clientError('closed', 'the client is closed')
    const existing = this.#rooms.get(room)
    if (existing) return existing
    const r = new Room(room, this.#link, {
      since: options.since,
      maxUnackedSends: this.#options.maxUnackedSends ?? 100,
      typing: this.#typing,
    })
    this.#rooms.set(room, r)
    if (this.#open) this.#transmit(r.joinFrame())
    else this.connect()
    return r
  }

  /**
   * Sends `text` to `userId` in the pair's conversation, made if needed: the conversation is
   * found over HTTP (`POST /conversations`, once per peer), joined, and the text sent there
   * with every guarantee of `send`. Resolves with the ack (its `room` is the conversation).
   */
  async dm(userId: string, text: string): Promise<Ack> {
    let room = this.#conversations.get(userId)
    if (room === undefined) {
      room = (await this.http.conversation([userId])).room
      this.#conversations.set(userId, room)
    }
    return this.join(room).send(text)
  }

  /** A joined room, by id. */
  room(id: string): Room | undefined {
    return this.#rooms.get(id)
  }

  /** Every room joined. */
  get rooms(): Room[] {
    return [...this.#rooms.values()]
  }

  /** Opens the connection now (joining a room does it too). */
  connect(): void {
    if (
      this.status === 'closed' ||
      this.#socket ||
      this.#reconnectTimer !== undefined ||
      this.#refreshing !== undefined
    )
      return
    if (this.status === 'unauthorized') return
    this.#dial().catch((err: unknown) => {
      this.emit('error', clientError('no_websocket', (err as Error).message))
      this.close()
    })
  }

  /** Carries on with a new token (after `unauthorized`, or ahead of an expiry). */
  setToken(token: string): void {
    this.#token = token
    if (this.status === 'unauthorized') {
      this.#setStatus({ status: 'reconnecting', attempt: 0, delayMs: 0 })
      this.status = 'idle'
      this.connect()
    }
  }

  /** Closes the connection for good: waiting sends are rejected (`closed`), every room emits `left`. */
  close(): void {
    if (this.status === 'closed') return
    this.#setStatus({ status: 'closed' })
    this.#clearTimers()
    const socket = this.#socket
    this.#socket = undefined
    this.#open = false
    if (socket) {
      detach(socket)
      socket.close(1000)
    }
    for (const room of [...this.#rooms.values()])
      room.stop('client_closed', clientError('closed', 'the client was closed', { room: room.id }))
  }

  async #dial(): Promise<void> {
    const expiry = tokenExpiry(this.#token)
    if (expiry !== undefined && expiry <= this.#clock.now()) {
      if (!(await this.#askForToken())) return
    }
    if (this.#isClosed() || this.#socket) return
    this.#setStatus({ status: 'connecting', attempt: this.#attempt })
    const WS = this.#options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket
    if (!WS) throw clientError('no_websocket', 'no WebSocket implementation: pass one as the WebSocket option')
    const url = `${joinUrl(this.#url.replace(/^http/, 'ws'), '/ws')}?token=${encodeURIComponent(this.#token)}`
    const socket = new WS(url)
    this.#socket = socket
    let opened = false
    socket.onopen = () => {
      opened = true
      this.#open = true
      this.#lastHeard = this.#clock.now()
      this.#setStatus({ status: 'open' })
      this.#heartbeat()
      for (const room of this.#rooms.values()) this.#transmit(room.joinFrame())
    }
    socket.onmessage = (ev) => this.#receive(ev.data)
    socket.onerror = () => {}
    socket.onclose = (ev) => {
      if (this.#socket !== socket) return
      void this.#dropped(ev.code, ev.reason, opened)
    }
  }

  #receive(data: unknown): void {
    this.#lastHeard = this.#clock.now()
    if (typeof data !== 'string') return
    let frame: ServerFrame
    try {
      frame = JSON.parse(data) as ServerFrame
    } catch {
      return
    }
    if (frame.type === 'welcome') this.#attempt = 0
    const room = typeof frame.room === 'string' ? this.#rooms.get(frame.room) : undefined
    if (room) return room.receive(frame)
    if (frame.type === 'error' && frame.room === undefined) {
      const retryAfterMs = typeof frame.retryAfterMs === 'number' ? frame.retryAfterMs : undefined
      this.emit('error', clientError(String(frame.code), String(frame.message ?? frame.code), { retryAfterMs }))
    }
  }

  async #dropped(code: number, reason: string, opened: boolean): Promise<void> {
    this.#socket = undefined
    this.#open = false
    this.#clock.clearTimeout(this.#heartbeatTimer)
    this.#heartbeatTimer = undefined
    for (const room of this.#rooms.values()) room.disconnected()
    if (this.status === 'closed') return
    if (code === 4401 || (!opened && (await this.#refusedToken()))) {
      this.#setStatus({ status: 'reconnecting', attempt: this.#attempt, delayMs: 0, code, reason })
      if (await this.#askForToken()) this.connect()
      return
    }
    if (this.#isClosed()) return
    const delayMs = backoffDelay(this.#attempt++, this.#backoff, this.#random)
    this.#setStatus({ status: 'reconnecting', attempt: this.#attempt, delayMs, code, reason })
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = undefined
      this.connect()
    }, delayMs)
  }

  /**
   * A browser's WebSocket does not say why an upgrade failed; a token refused before the
   * upgrade is told apart by asking `/ws` over HTTP, which checks the token before answering
   * 400 for a request that is not an upgrade.
   */
  async #refusedToken(): Promise<boolean> {
    if (typeof (this.#options.fetch ?? globalThis.fetch) !== 'function') return false
    // Called through globalThis: a browser's fetch refuses to run detached from window.
    const f = this.#options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init))
    try {
      const res = await f(joinUrl(this.#url, '/ws'), { headers: { authorization: `Bearer ${this.#token}` } })
      await res.body?.cancel()
      return res.status === 401
    } catch {
      return false
    }
  }

  /** Gets a new token through `refreshToken`: true if there is one; else the status is `unauthorized`. */
  #askForToken(): Promise<boolean> {
    this.#refreshing ??= (async () => {
      let fresh: string | undefined
      try {
        fresh = (await this.#options.refreshToken?.()) ?? undefined
      } catch (err) {
        this.emit('error', clientError('unauthorized', `refreshToken failed: ${(err as Error).message}`))
      }
      if (fresh !== undefined) {
        this.#token = fresh
        return true
      }
      if (!this.#isClosed()) {
        this.#setStatus({ status: 'unauthorized' })
        this.emit('error', clientError('unauthorized', 'the token was refused or expired; call setToken'))
      }
      return false
    })().finally(() => {
      this.#refreshing = undefined
    })
    return this.#refreshing
  }

  #isClosed(): boolean {
    return this.status === 'closed'
  }

  /** Pings after `heartbeatMs` of silence; drops a connection silent `heartbeatTimeoutMs` longer. */
  #heartbeat(): void {
    const every = this.#options.heartbeatMs ?? 20_000
    const grace = this.#options.heartbeatTimeoutMs ?? 10_000
    const check = () => {
      const socket = this.#socket
      if (!socket || !this.#open) return
      const silent = this.#clock.now() - this.#lastHeard
      if (silent >= every + grace) {
        // Dead without a close (a cut cable, a sleeping laptop): give up on it without waiting.
        detach(socket)
        try {
          socket.close(4000, 'no answer')
        } catch {}
        void this.#dropped(1006, 'no answer to ping', true)
        return
      }
      if (silent >= every) this.#transmit({ type: 'ping' })
      this.#heartbeatTimer = this.#clock.setTimeout(check, silent >= every ? grace : every - silent)
    }
    this.#heartbeatTimer = this.#clock.setTimeout(check, every)
  }

  #transmit(frame: Record<string, unknown>): void {
    const socket = this.#socket
    if (!socket || !this.#open) return
    try {
      socket.send(JSON.stringify(frame))
    } catch {
      // Closing: the close event brings the reconnect, and the rooms resend what is unanswered.
    }
  }

  #setStatus(event: ClientEvents['status']): void {
    this.status = event.status
    this.emit('status', event)
  }

  #clearTimers(): void {
    this.#clock.clearTimeout(this.#reconnectTimer)
    this.#clock.clearTimeout(this.#heartbeatTimer)
    this.#reconnectTimer = undefined
    this.#heartbeatTimer = undefined
  }
}

function detach(socket: WebSocketLike): void {
  socket.onopen = null
  socket.onmessage = null
  socket.onclose = null
  socket.onerror = null
}
