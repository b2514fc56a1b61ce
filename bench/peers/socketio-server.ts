/**
 * Socket.IO rooms doing the ws peer's job: JWT in the handshake `auth` (checked by a
 * middleware), the room from `auth.room`, `send` events (the guildhall `send` frame as payload) stamped with seq/ts and broadcast
 * with `io.to(room).emit("message")`, an `ack` event to the sender. WebSocket transport only.
 * Env: PORT, HOST, JWT_SECRET.
 */
import { createServer } from 'node:http'
import { Server } from 'socket.io'
import { tokenVerifier } from './jwt.ts'
import { nextMessage, parseSend, welcome } from './frames.ts'
import type { RoomState } from './frames.ts'

const verifyToken = tokenVerifier(process.env.JWT_SECRET ?? '')

const rooms = new Map<string, RoomState>()
const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/

const http = createServer((req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"status":"ok"}')
  }
})
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false })

io.use((socket, next) => {
  const auth = socket.handshake.auth as { token?: string; room?: string }
  if (typeof auth.room !== 'string' || !ROOM_ID.test(auth.room)) return next(new Error('invalid_room'))
  void verifyToken(auth.token).then((user) => {
    if (!user) return next(new Error('unauthorized'))
    socket.data = { user, room: auth.room }
    next()
  })
})

io.on('connection', (socket) => {
  const { user, room: roomId } = socket.data as { user: string; room: string }
  let room = rooms.get(roomId)
  if (!room) {
    room = { id: roomId, seq: 0, lastTs: 0 }
    rooms.set(roomId, room)
  }
  const r = room
  void socket.join(roomId)
  socket.emit('welcome', welcome(r, user))
  socket.on('send', (raw: unknown) => {
    const frame = parseSend(raw)
    if (!frame) {
      socket.emit('refused', { type: 'error', code: 'invalid_frame', message: 'bad frame' })
      return
    }
    const out = nextMessage(r, user, frame.id, frame.text)
    io.to(roomId).emit('message', out.message)
    socket.emit('ack', out.ack)
  })
})

http.listen(Number(process.env.PORT ?? 8791), process.env.HOST ?? '127.0.0.1')
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0))
