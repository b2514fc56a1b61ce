/**
 * Node adapter: `@hono/node-server` v2 serves the HTTP requests; WebSocket upgrades are ours.
 * An upgrade goes through the Hono app like any request (routing, auth, every refusal), and a
 * route that accepts hands over only what the session needs (`SessionHandoff`: user, room,
 * limits); `ws` then takes the socket (`handleUpgrade`) and nothing of the request (Hono
 * Context, IncomingMessage, Request, URL) outlives the handshake. node-server's own
 * `upgradeWebSocket` kept all of those alive for the socket's life, through its closures.
 * Frames over the limit are refused at the frame header (`maxPayload` → 1009). Also: server
 * pings and closing silent peers, and whole HTTP answers (body included) to refused upgrades.
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { serve, type HttpBindings } from '@hono/node-server'
import { WebSocket, WebSocketServer } from 'ws'
import type { Limits } from '../../actors/limits.ts'
import type { Logger } from '../../actors/ports.ts'
import type { Upgrade } from '../http/app.ts'
import { errorResponse } from '../http/errors.ts'
import type { SessionHandoff } from '../http/socket-bridge.ts'
import { answerClientError } from './client-error.ts'
import type { FetchApp, Listening, ServeOptions } from './listening.ts'
import { upgradeRequest } from './upgrade-request.ts'
import { bindSession } from './ws-session.ts'

const HANDOFF = Symbol('guildhall.handoff')

/** `c.env` of an upgrade request: the request, no response object, and the route's handoff. */
type UpgradeEnv = HttpBindings & { [HANDOFF]?: SessionHandoff }

/** Notes the handoff on the request's env; the upgrade listener upgrades once the app has answered. */
export const upgradeWebSocket: Upgrade = async (c, handoff) => {
  const env = c.env as Partial<UpgradeEnv> | undefined
  // Asked for a WebSocket without `Connection: Upgrade`: a plain request, nothing to upgrade.
  if (!env?.incoming || env.outgoing !== undefined) return new Response(null, { status: 500 })
  env[HANDOFF] = handoff
  // A placeholder for the middleware (CORS adds its headers to the 101); `ws` writes the 101.
  return new Response(null)
}

export function serveNode(app: FetchApp, opts: ServeOptions): Promise<Listening> {
  const { limits, logger } = opts
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false })
  const server = serve({
    fetch: app.fetch as Parameters<typeof serve>[0]['fetch'],
    port: opts.port,
    hostname: opts.host,
  }) as Server
  server.on('clientError', answerClientError(logger))
  server.on(
    'upgrade',
    (req: IncomingMessage, socket: Duplex, head: Buffer) => void upgrade(app, wss, req, socket, head),
  )
  server.on('close', () => wss.close())

  const stopLiveness = keepAlive(wss, limits, logger)

  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.once('listening', () => {
      server.off('error', reject)
      const { port } = server.address() as AddressInfo
      resolve({
        port,
        stopAccepting() {
          server.close()
          server.closeIdleConnections()
        },
        async close(graceMs = 5_000) {
          stopLiveness()
          server.close()
          await allClosed(wss, graceMs)
          for (const ws of wss.clients) ws.terminate()
          server.closeAllConnections()
        },
      })
    })
  })
}

/** A socket error while the app decides (the peer went away) must not become an uncaught one. */
function ignore(): void {}

/**
 * Runs the upgrade request through the app; if a route handed a session over, `ws` completes
 * the handshake (with the app's headers, e.g. CORS) and the socket is bound to the session,
 * else the app's answer is written whole.
 */
async function upgrade(app: FetchApp, wss: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer) {
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
    return writeResponse(socket, errorResponse('invalid_request', 'only WebSocket upgrades are served'))
  }
  socket.on('error', ignore)
  const env: UpgradeEnv = { incoming: req, outgoing: undefined as never }
  let res: Response
  try {
    res = await app.fetch(upgradeRequest(req), env)
  } catch {
    // Only the request's own URL can fail here (the app answers its errors itself).
    res = errorResponse('invalid_request', 'not a valid request target')
  }
  const handoff = env[HANDOFF]
  if (!handoff) return writeResponse(socket, res)
  if (socket.destroyed) return
  const extra: string[] = []
  res.headers.forEach((value, key) => {
    if (!handshakeHeaders.has(key)) extra.push(`${key}: ${value}`)
  })
  const addHeaders = (headers: string[]) => headers.push(...extra)
  // `handleUpgrade` emits 'headers' synchronously, so the listener is this handshake's only.
  if (extra.length > 0) wss.on('headers', addHeaders)
  try {
    wss.handleUpgrade(req, socket, head, (ws) => {
      socket.off('error', ignore)
      watch(ws as Watched)
      bindSession(ws, handoff)
    })
  } finally {
    if (extra.length > 0) wss.off('headers', addHeaders)
  }
}

/** Headers `ws` writes itself on the 101, or that a 101 must not carry. */
const handshakeHeaders = new Set([
  'connection',
  'content-length',
  'content-type',
  'transfer-encoding',
  'upgrade',
  'sec-websocket-accept',
  'sec-websocket-extensions',
  'sec-websocket-protocol',
])

const lastSeen = Symbol('lastSeen')
type Watched = WebSocket & { [lastSeen]: number }

/** One listener shared by every socket (`this` is the socket): no closure per connection. */
function seen(this: WebSocket): void {
  ;(this as Watched)[lastSeen] = Date.now()
}

/** Liveness of one socket: any frame from the peer counts. */
function watch(ws: Watched): void {
  ws[lastSeen] = Date.now()
  ws.on('message', seen)
  ws.on('pong', seen)
  ws.on('ping', seen)
}

/**
 * Ping every `pingIntervalMs`; a peer that sends nothing (not even a pong) for
 * `peerTimeoutMs` is cut. One sweep over all sockets every fifth of the timeout replaces a
 * timer per socket, so an idle connection costs a number, not a timer and its closures; a
 * silent peer is cut between `peerTimeoutMs` and `peerTimeoutMs` plus one sweep.
 */
function keepAlive(wss: WebSocketServer, limits: Limits, logger: Logger): () => void {
  const sweepMs = Math.max(1, Math.min(limits.pingIntervalMs, Math.floor(limits.peerTimeoutMs / 5)))
  let nextPing = Date.now() + limits.pingIntervalMs
  const sweeper = setInterval(() => {
    const now = Date.now()
    const ping = now >= nextPing
    if (ping) nextPing = now + limits.pingIntervalMs
    for (const ws of wss.clients as Set<Watched>) {
      if (now - ws[lastSeen] >= limits.peerTimeoutMs) {
        logger.info('ws_peer_timeout', {})
        ws.terminate()
      } else if (ping && ws.readyState === WebSocket.OPEN) ws.ping()
    }
  }, sweepMs)
  sweeper.unref()
  return () => clearInterval(sweeper)
}

/** Waits for the close handshakes the drain started, at most `graceMs`. */
function allClosed(wss: WebSocketServer, graceMs: number): Promise<void> {
  const open = [...wss.clients].filter((ws) => ws.readyState !== WebSocket.CLOSED)
  if (open.length === 0) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, graceMs)
    let left = open.length
    for (const ws of open) {
      ws.once('close', () => {
        if (--left === 0) {
          clearTimeout(timer)
          resolve()
        }
      })
    }
  })
}

const skippedHeaders = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive'])

async function writeResponse(socket: Duplex, res: Response): Promise<void> {
  const body = Buffer.from(await res.arrayBuffer())
  if (socket.destroyed) return
  const head = [`HTTP/1.1 ${res.status} ${STATUS_CODES[res.status] ?? ''}`]
  res.headers.forEach((value, key) => {
    if (!skippedHeaders.has(key)) head.push(`${key}: ${value}`)
  })
  head.push('Connection: close', `Content-Length: ${body.length}`, '', '')
  socket.end(Buffer.concat([Buffer.from(head.join('\r\n')), body]))
}
