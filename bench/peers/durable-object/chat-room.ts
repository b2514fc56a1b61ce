/**
 * The Worker and Durable Object that run on workerd (through Miniflare): the Worker checks
 * the HS256 JWT with WebCrypto and routes `/ws/rooms/:roomId` to the room's object; the
 * object accepts sockets with the WebSocket Hibernation API and broadcasts each `send` to
 * `ctx.getWebSockets()`. Compiled to JS by launcher.ts; workerd types are declared here.
 */

interface DurableObjectState {
  acceptWebSocket(ws: WebSocket, tags?: string[]): void
  getWebSockets(tag?: string): WebSocket[]
}
interface HibernatableSocket extends WebSocket {
  serializeAttachment(value: unknown): void
  deserializeAttachment(): unknown
}
interface Namespace {
  idFromName(name: string): unknown
  get(id: unknown): { fetch(input: string, init: RequestInit): Promise<Response> }
}
interface Env {
  ROOMS: Namespace
  JWT_SECRET: string
}
declare const WebSocketPair: { new (): { 0: WebSocket; 1: HibernatableSocket } }

const ROOM_PATH = /^\/ws\/rooms\/([A-Za-z0-9_-]{1,64})$/
let hmacKey: Promise<CryptoKey> | undefined

function b64url(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/'))
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

async function verify(token: string | null, secret: string): Promise<string | undefined> {
  const parts = token?.split('.')
  if (parts?.length !== 3) return undefined
  const [h, p, s] = parts as [string, string, string]
  hmacKey ??= crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  )
  try {
    const header = JSON.parse(new TextDecoder().decode(b64url(h))) as { alg?: string }
    if (header.alg !== 'HS256') return undefined
    const ok = await crypto.subtle.verify('HMAC', await hmacKey, b64url(s), new TextEncoder().encode(`${h}.${p}`))
    if (!ok) return undefined
    const claims = JSON.parse(new TextDecoder().decode(b64url(p))) as { sub?: unknown; exp?: unknown }
    if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) return undefined
    return typeof claims.sub === 'string' ? claims.sub : undefined
  } catch {
    return undefined
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url)
    if (url.pathname === '/health') return Response.json({ status: 'ok' })
    const roomId = ROOM_PATH.exec(url.pathname)?.[1]
    if (!roomId || request.headers.get('Upgrade') !== 'websocket') return new Response(null, { status: 404 })
    const user = await verify(url.searchParams.get('token'), env.JWT_SECRET)
    if (!user) return Response.json({ error: 'unauthorized' }, { status: 401 })
    const headers = new Headers(request.headers)
    headers.set('x-user', user)
    headers.set('x-room', roomId)
    return env.ROOMS.get(env.ROOMS.idFromName(roomId)).fetch(request.url, { headers })
  },
}

/** In-memory seq like the Node peers; none of the peers persists messages. */
export class ChatRoom {
  private seq = 0
  private lastTs = 0
  private room = ''
  private counter = 0

  private readonly ctx: DurableObjectState
  constructor(ctx: DurableObjectState) {
    this.ctx = ctx
  }

  async fetch(request: Request): Promise<Response> {
    const user = request.headers.get('x-user') ?? ''
    this.room = request.headers.get('x-room') ?? ''
    const pair = new WebSocketPair()
    this.ctx.acceptWebSocket(pair[1])
    pair[1].serializeAttachment({ user })
    pair[1].send(
      JSON.stringify({
        type: 'welcome',
        room: this.room,
        user,
        seq: this.seq,
        lastRead: 0,
        presence: [user],
        typing: [],
      }),
    )
    return new Response(null, { status: 101, webSocket: pair[0] } as ResponseInit)
  }

  webSocketMessage(ws: HibernatableSocket, data: string | ArrayBuffer): void {
    let frame: { type?: unknown; id?: unknown; text?: unknown }
    try {
      frame = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)) as typeof frame
    } catch {
      frame = {}
    }
    if (frame.type !== 'send' || typeof frame.id !== 'string' || typeof frame.text !== 'string') {
      ws.send('{"type":"error","code":"invalid_frame","message":"bad frame"}')
      return
    }
    const { user } = ws.deserializeAttachment() as { user: string }
    const now = Date.now()
    this.lastTs = now > this.lastTs ? now : this.lastTs + 1
    const ts = this.lastTs
    const seq = ++this.seq
    const messageId = `m${(++this.counter).toString(36)}`
    const message = { id: messageId, seq, roomId: this.room, senderId: user, text: frame.text, ts }
    const out = JSON.stringify({ type: 'message', room: this.room, message })
    for (const peer of this.ctx.getWebSockets()) {
      try {
        peer.send(out)
      } catch {
        // a socket that is closing: the close handler removes it
      }
    }
    ws.send(JSON.stringify({ type: 'ack', room: this.room, id: frame.id, seq, messageId }))
  }

  webSocketClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 ? 1000 : code)
    } catch {
      // already closed
    }
  }
}
