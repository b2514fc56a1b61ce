/**
 * Node adapter: `@hono/node-server` v2 with its built-in `upgradeWebSocket`, over our own `ws`
 * WebSocketServer so the frame limit is enforced at the frame header (`maxPayload` → 1009).
 * Adds what the helper leaves out: server pings and closing silent peers, and refusal bodies
 * on refused upgrades (node-server answers those with status and headers but no body).
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import {
  serve,
  upgradeWebSocket as nodeUpgradeWebSocket,
  type HttpBindings,
  type WebSocketServerLike,
} from '@hono/node-server'
import { WebSocket, WebSocketServer } from 'ws'
import type { Limits } from '../../actors/limits.ts'
import type { Logger } from '../../actors/ports.ts'
import type { Upgrade } from '../http/app.ts'
import { errorResponse } from '../http/errors.ts'
import { answerClientError } from './client-error.ts'
import type { FetchApp, Listening, ServeOptions } from './listening.ts'

const UPGRADING = Symbol('guildhall.upgrading')

/** node-server's helper, noting on the request that it took the upgrade. */
export const upgradeWebSocket: Upgrade = (c, events) => {
  ;(c.env as Record<symbol, unknown>)[UPGRADING] = true
  return nodeUpgradeWebSocket(c, events)
}

export function serveNode(app: FetchApp, opts: ServeOptions): Promise<Listening> {
  const { limits, logger } = opts
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false })

  const fetch = async (req: Request, env: HttpBindings) => {
    const res = await app.fetch(req, env)
    // An upgrade request answered without upgrading: node-server would send the status with
    // an empty body, so we write the whole answer ourselves (its own listener then stands back,
    // because it only answers when it is the sole `upgrade` listener).
    if (env.outgoing === undefined && !(env as unknown as Record<symbol, unknown>)[UPGRADING]) {
      await writeResponse(env.incoming.socket, res)
    }
    return res
  }

  const server = serve({
    fetch: fetch as Parameters<typeof serve>[0]['fetch'],
    port: opts.port,
    hostname: opts.host,
    websocket: { server: wss as unknown as WebSocketServerLike },
  }) as Server
  server.on('clientError', answerClientError(logger))
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
      void writeResponse(socket, errorResponse('invalid_request', 'only WebSocket upgrades are served'))
    }
  })

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

const lastSeen = Symbol('lastSeen')
type Watched = WebSocket & { [lastSeen]: number }

/** One listener shared by every socket (`this` is the socket): no closure per connection. */
function seen(this: WebSocket): void {
  ;(this as Watched)[lastSeen] = Date.now()
}

/**
 * Ping every `pingIntervalMs`; a peer that sends nothing (not even a pong) for
 * `peerTimeoutMs` is cut. One sweep over all sockets every fifth of the timeout replaces a
 * timer per socket, so an idle connection costs a number, not a timer and its closures; a
 * silent peer is cut between `peerTimeoutMs` and `peerTimeoutMs` plus one sweep.
 */
function keepAlive(wss: WebSocketServer, limits: Limits, logger: Logger): () => void {
  wss.on('connection', (ws: Watched) => {
    ws[lastSeen] = Date.now()
    ws.on('message', seen)
    ws.on('pong', seen)
    ws.on('ping', seen)
  })
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
