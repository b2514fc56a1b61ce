/**
 * The node link over WebSockets (Node, `ws`): the LinkTransport of actors/cluster/ports.ts.
 * It listens on its own HTTP server on INTERNAL_PORT, never on the public port, upgrades only
 * `LINK_PATH` and answers 404 to everything else. Each link is authenticated by the
 * challenge-response of link-auth.ts before the cluster sees it; the accepting side refuses a
 * peer without the secret with close code 4401 and logs `link_refused`. docs/cluster.md
 * "The link".
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import type { LinkChannel, LinkTransport } from '../../actors/cluster/ports.ts'
import type { Limits } from '../../actors/limits.ts'
import type { Logger } from '../../actors/ports.ts'
import { clientProof, newNonce, parseAuth, parseHello, parseWelcome, proofsMatch, serverProof } from './link-auth.ts'
import { WsChannel } from './ws-channel.ts'

/** The one path the link server upgrades. */
export const LINK_PATH = '/link'
/** Close code of a refused handshake (wrong or missing secret, wrong node, malformed). */
export const LINK_REFUSED = 4401

export interface LinkLimits {
  /** A handshake not finished within this is dropped (`link_refused` reason `timeout`). */
  authTimeoutMs: number
  /** Ping interval on every link, and the silence after which the peer counts as gone. */
  pingIntervalMs: number
  peerTimeoutMs: number
  /**
   * Largest link message. A message carries one client frame, the largest being a history
   * page (`historyMaxLimit` messages, each at most about `maxFrameBytes`: 3.2 MiB with the
   * defaults), so this is a bound against a broken peer, never reached by a working one:
   * 8 MiB, or twice a full page when limits raised past that (`linkMaxPayloadBytes`).
   * Past it `ws` closes the link with 1009.
   */
  maxPayloadBytes: number
  /** Connections still in their handshake at once; more are refused (`too_many_pending`). */
  maxPendingHandshakes: number
}

export const defaultLinkLimits: LinkLimits = {
  authTimeoutMs: 5_000,
  pingIntervalMs: 5_000,
  peerTimeoutMs: 15_000,
  maxPayloadBytes: 8 * 1024 * 1024,
  maxPendingHandshakes: 64,
}

/** `maxPayloadBytes` for the room limits: 8 MiB, or twice a full history page if larger. */
export function linkMaxPayloadBytes(limits: Pick<Limits, 'historyMaxLimit' | 'maxFrameBytes'>): number {
  return Math.max(defaultLinkLimits.maxPayloadBytes, 2 * limits.historyMaxLimit * limits.maxFrameBytes)
}

export interface WsLinkOptions {
  /** This node's id (NODE_ID). */
  node: string
  /** CLUSTER_SECRET. */
  secret: string
  /** Interface and port to listen on (INTERNAL_PORT; 0 picks a free port, for tests). */
  host: string
  port: number
  logger: Logger
  /** The room limits: the largest frame a link message may have to carry follows them. */
  roomLimits?: Pick<Limits, 'historyMaxLimit' | 'maxFrameBytes'>
  /** Overrides (tests shorten the timers). */
  limits?: Partial<LinkLimits>
}

export interface WsLinkTransport extends LinkTransport {
  /** The port the link server listens on. */
  readonly port: number
}

export async function createWsLinkTransport(opts: WsLinkOptions): Promise<WsLinkTransport> {
  const sized = opts.roomLimits ? { maxPayloadBytes: linkMaxPayloadBytes(opts.roomLimits) } : {}
  const limits: LinkLimits = { ...defaultLinkLimits, ...sized, ...opts.limits }
  const { node, secret, logger } = opts
  const channels = new Set<WsChannel>()
  const handshaking = new Set<WebSocket>()
  let closing = false

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxPayloadBytes, perMessageDeflate: false })
  const server: Server = createServer((_req, res) => {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    if (closing || pathOf(req) !== LINK_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, `${req.socket.remoteAddress}:${req.socket.remotePort}`))
  })

  const transport: WsLinkTransport = {
    onAccept: () => {},
    get port() {
      const address = server.address()
      return typeof address === 'object' && address ? address.port : opts.port
    },
    connect: (peer, address) => connect(peer, address),
    async close() {
      closing = true
      for (const ws of handshaking) ws.terminate()
      for (const channel of channels) channel.terminate('transport closed')
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    },
  }

  /** The accepting side: hello, check the client's proof, prove ourselves, hand the link over. */
  function accept(ws: WebSocket, address: string): void {
    if (handshaking.size >= limits.maxPendingHandshakes) {
      logger.warn('link_refused', { address, reason: 'too_many_pending' })
      ws.close(1013, 'busy')
      return
    }
    handshaking.add(ws)
    const nonce = newNonce()
    let done = false
    const refuse = (reason: string, claimed?: string): void => {
      if (done) return
      done = true
      finish()
      logger.warn('link_refused', claimed === undefined ? { address, reason } : { address, reason, node: claimed })
      if (ws.readyState === WebSocket.OPEN) ws.close(LINK_REFUSED, 'unauthorized')
      else ws.terminate()
    }
    const timer = setTimeout(() => refuse('timeout'), limits.authTimeoutMs)
    timer.unref()
    const finish = (): void => {
      clearTimeout(timer)
      handshaking.delete(ws)
      ws.off('message', onAuth)
      ws.off('close', onEarlyClose)
    }
    const onEarlyClose = (): void => refuse('closed before auth')
    const onAuth = (data: RawData, isBinary: boolean): void => {
      const auth = isBinary ? undefined : parseAuth(String(data))
      if (!auth) return refuse('malformed')
      if (auth.node === node) return refuse('same node id', auth.node)
      if (!proofsMatch(auth.proof, clientProof(secret, nonce, auth.node, node))) return refuse('bad proof', auth.node)
      done = true
      finish()
      ws.send(JSON.stringify({ proof: serverProof(secret, auth.nonce, node, auth.node) }))
      const channel = adopt(ws, auth.node)
      try {
        transport.onAccept(channel)
      } catch (err) {
        // A throw here would surface in `ws`'s event emitter and take the process down.
        logger.error('link_handler_error', { peer: auth.node, error: err })
        channel.terminate('accept failed')
      }
    }
    ws.on('error', () => {})
    ws.on('message', onAuth)
    ws.on('close', onEarlyClose)
    ws.send(JSON.stringify({ hello: nonce, node }))
  }

  /** The opening side: check the hello names `peer`, prove ourselves, check the peer's proof. */
  function connect(peer: string, address: string): Promise<LinkChannel> {
    if (closing) return Promise.reject(new Error('link transport closed'))
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(linkUrl(address), {
        maxPayload: limits.maxPayloadBytes,
        perMessageDeflate: false,
        handshakeTimeout: limits.authTimeoutMs,
      })
      handshaking.add(ws)
      const nonce = newNonce()
      let step: 'hello' | 'welcome' = 'hello'
      let done = false
      const fail = (why: string): void => {
        if (done) return
        done = true
        cleanup()
        if (ws.readyState === WebSocket.OPEN) ws.close(LINK_REFUSED, 'unauthorized')
        else ws.terminate()
        reject(new Error(`link to ${peer} at ${address}: ${why}`))
      }
      const timer = setTimeout(() => fail('handshake timed out'), limits.authTimeoutMs)
      timer.unref()
      const cleanup = (): void => {
        clearTimeout(timer)
        handshaking.delete(ws)
        ws.off('message', onMessage)
        ws.off('close', onClose)
      }
      const onClose = (code: number): void =>
        fail(code === LINK_REFUSED ? 'refused by the peer (4401)' : `closed during the handshake (${code})`)
      const onMessage = (data: RawData, isBinary: boolean): void => {
        const text = isBinary ? '' : String(data)
        if (step === 'hello') {
          const hello = parseHello(text)
          if (!hello) return fail('malformed hello')
          if (hello.node !== peer) return fail(`the node there is ${hello.node}`)
          step = 'welcome'
          ws.send(JSON.stringify({ node, nonce, proof: clientProof(secret, hello.hello, node, peer) }))
          return
        }
        const welcome = parseWelcome(text)
        if (!welcome || !proofsMatch(welcome.proof, serverProof(secret, nonce, peer, node)))
          return fail('the peer could not prove the secret')
        done = true
        cleanup()
        resolve(adopt(ws, peer))
      }
      ws.on('error', (err) => fail(err.message))
      ws.on('message', onMessage)
      ws.on('close', onClose)
    })
  }

  /** An authenticated socket becomes a channel; from here on its messages go to the cluster. */
  function adopt(ws: WebSocket, peer: string): WsChannel {
    const channel = new WsChannel(ws, peer, logger, limits)
    channels.add(channel)
    ws.on('close', () => channels.delete(channel))
    if (closing) channel.terminate('transport closed')
    return channel
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return transport
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? ''
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** `host:port` (as leases carry it) → the link's URL; an IPv6 host gets its brackets. */
export function linkUrl(address: string): string {
  const colon = address.lastIndexOf(':')
  const host = address.slice(0, colon)
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
  return `ws://${bracketed}:${address.slice(colon + 1)}${LINK_PATH}`
}
