/**
 * Bare Deno WebSocket rooms, run by Deno: the floor for a chat server on Deno's own
 * `Deno.serve` + `Deno.upgradeWebSocket`, to tell what Deno itself costs per socket from what
 * guildhall's socket bridge adds (the busy scenario's guildhall-deno). Same job as
 * ws-server.ts: JWT checked before the upgrade (jose), a welcome, each `send` parsed, stamped
 * with seq/ts, serialised once and broadcast to the room, the sender acked.
 * Env: PORT, HOST, JWT_SECRET.
 */
import { nextMessage, parseSend, welcome } from './frames.ts'
import type { RoomState } from './frames.ts'
import { tokenVerifier } from './jwt.ts'

declare const Deno: {
  env: { get(name: string): string | undefined }
  serve(opts: { port: number; hostname: string }, handler: (req: Request) => Response | Promise<Response>): unknown
  upgradeWebSocket(req: Request): { socket: WebSocket; response: Response }
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void
  exit(code: number): never
}

interface Room extends RoomState {
  sockets: Set<WebSocket>
}

const rooms = new Map<string, Room>()
const verifyToken = tokenVerifier(Deno.env.get('JWT_SECRET') ?? '')
const ROOM_PATH = /^\/ws\/rooms\/([A-Za-z0-9_-]{1,64})$/
/** BENCH_PEER_PRESENCE=1: announce each join to the room as guildhall does (its join storm's frames). */
const presence = Deno.env.get('BENCH_PEER_PRESENCE') === '1'

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url)
  if (url.pathname === '/health') return Response.json({ status: 'ok' })
  const roomId = ROOM_PATH.exec(url.pathname)?.[1]
  const user = await verifyToken(url.searchParams.get('token'))
  if (!roomId || !user) return new Response(null, { status: 401 })
  const { socket, response } = Deno.upgradeWebSocket(req)
  join(socket, roomId, user)
  return response
}

function join(ws: WebSocket, roomId: string, user: string): void {
  let room = rooms.get(roomId)
  if (!room) {
    room = { id: roomId, seq: 0, lastTs: 0, sockets: new Set() }
    rooms.set(roomId, room)
  }
  const r = room
  ws.onopen = () => {
    if (presence) {
      const text = JSON.stringify({ type: 'presence', room: r.id, userId: user, online: true })
      for (const peer of r.sockets) if (peer.readyState === WebSocket.OPEN) peer.send(text)
    }
    r.sockets.add(ws)
    ws.send(JSON.stringify(welcome(r, user)))
  }
  ws.onmessage = (event) => {
    let frame: ReturnType<typeof parseSend>
    try {
      frame = parseSend(JSON.parse(String(event.data)))
    } catch {
      frame = undefined
    }
    if (!frame) {
      ws.send('{"type":"error","code":"invalid_frame","message":"bad frame"}')
      return
    }
    const out = nextMessage(r, user, frame.id, frame.text)
    const text = JSON.stringify(out.message)
    for (const peer of r.sockets) if (peer.readyState === WebSocket.OPEN) peer.send(text)
    ws.send(JSON.stringify(out.ack))
  }
  ws.onclose = () => r.sockets.delete(ws)
}

Deno.serve({ port: Number(Deno.env.get('PORT') ?? 8791), hostname: Deno.env.get('HOST') ?? '127.0.0.1' }, handle)
for (const sig of ['SIGTERM', 'SIGINT'] as const) Deno.addSignalListener(sig, () => Deno.exit(0))
