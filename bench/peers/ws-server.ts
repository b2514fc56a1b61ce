/**
 * Bare `ws` rooms: the floor for a Node chat server. `/ws/rooms/:roomId?token=<jwt>`,
 * JWT checked before the upgrade, each `send` parsed, stamped with seq/ts, serialised once
 * and broadcast to the room; the sender gets an `ack`. Env: PORT, HOST, JWT_SECRET.
 */
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'
import type { WebSocket } from 'ws'
import { tokenVerifier } from './jwt.ts'
import { nextMessage, parseSend, welcome } from './frames.ts'
import type { RoomState } from './frames.ts'

const verifyToken = tokenVerifier(process.env.JWT_SECRET ?? '')

interface Room extends RoomState {
  sockets: Set<WebSocket>
}

const rooms = new Map<string, Room>()
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false })
const ROOM_PATH = /^\/ws\/rooms\/([A-Za-z0-9_-]{1,64})$/
/** BENCH_PEER_PRESENCE=1: announce each join to the room as guildhall does (its join storm's frames). */
const presence = process.env.BENCH_PEER_PRESENCE === '1'

const server = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'application/json' })
  res.end(req.url === '/health' ? '{"status":"ok"}' : '{"error":"not_found"}')
})

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const roomId = ROOM_PATH.exec(url.pathname)?.[1]
  void verifyToken(url.searchParams.get('token')).then((user) => {
    if (!roomId || !user) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => join(ws, roomId, user))
  })
})

function join(ws: WebSocket, roomId: string, user: string): void {
  let room = rooms.get(roomId)
  if (!room) {
    room = { id: roomId, seq: 0, lastTs: 0, sockets: new Set() }
    rooms.set(roomId, room)
  }
  const r = room
  if (presence) {
    const text = JSON.stringify({ type: 'presence', room: r.id, userId: user, online: true })
    for (const peer of r.sockets) peer.send(text)
  }
  r.sockets.add(ws)
  ws.send(JSON.stringify(welcome(r, user)))
  ws.on('message', (data) => {
    let frame: ReturnType<typeof parseSend>
    try {
      frame = parseSend(JSON.parse(data.toString()))
    } catch {
      frame = undefined
    }
    if (!frame) {
      ws.send('{"type":"error","code":"invalid_frame","message":"bad frame"}')
      return
    }
    const out = nextMessage(r, user, frame.id, frame.text)
    const text = JSON.stringify(out.message)
    for (const peer of r.sockets) peer.send(text)
    ws.send(JSON.stringify(out.ack))
  })
  ws.on('close', () => r.sockets.delete(ws))
}

server.listen(Number(process.env.PORT ?? 8790), process.env.HOST ?? '127.0.0.1')
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0))
