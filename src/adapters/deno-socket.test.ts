/**
 * The Deno socket binding (deno-socket.ts), run on Node with a stand-in for Deno's
 * `upgradeWebSocket` and its WebSocket: a socket's event handlers are the same functions for
 * every socket (no closures per socket, nothing of the request held by them), frames reach
 * the session, and a close waits until the peer is quiet.
 */
// First: the stand-in for Deno must exist before the adapter (and what it imports) loads.
import { type FakeSocket, upgrades } from '../../test/support/fake-deno.ts'
import { Hono } from 'hono'
import t from 'tap'
import { FakeHost } from '../../test/support/fake-host.ts'
import { createMemoryLogger } from '../../test/support/memory-logger.ts'
import type { SessionHandoff } from '../http/socket-bridge.ts'
import { denoUpgrade } from './deno.ts'

async function upgrade(host: FakeHost, user: string): Promise<FakeSocket> {
  const handoff: SessionHandoff = {
    host,
    principal: { user: { id: user }, admin: false, expiresAt: Date.now() + 3_600_000 },
    room: { roomId: 'lobby' },
    maxFrameBytes: 32 * 1024,
    logger: createMemoryLogger(),
  }
  const up = denoUpgrade(30_000)
  const app = new Hono().get('/ws/rooms/lobby', (c) => up(c, handoff))
  await app.request('/ws/rooms/lobby?token=secret', {
    headers: { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-protocol': 'chat, other' },
  })
  return upgrades.at(-1)!.socket
}

t.test('every socket has the same handlers: no closure per socket', async (t) => {
  const host = new FakeHost()
  const a = await upgrade(host, 'alice')
  const b = await upgrade(host, 'bob')
  for (const name of ['onopen', 'onmessage', 'onclose', 'onerror'] as const) {
    t.type(a[name], 'function', `${name} is set`)
    t.equal(a[name], b[name], `${name} is one function for both sockets`)
  }
  t.same(
    upgrades.at(-1)!.opts,
    { protocol: 'chat', idleTimeout: 30 },
    "the client's first subprotocol, Deno's idle timeout",
  )
  t.equal(a.binaryType, 'arraybuffer', 'binary frames are read synchronously')
})

t.test('frames reach the session; a close waits until the peer is quiet', async (t) => {
  const host = new FakeHost()
  const socket = await upgrade(host, 'carol')
  t.equal(host.sessions.length, 0, 'the session opens with the socket')
  socket.fire('onopen')
  const session = host.sessions[0]!
  t.equal(session.opts.user.id, 'carol')
  socket.fire('onmessage', { data: '{"type":"ping"}' })
  t.same(session.received, ['{"type":"ping"}'])
  session.opts.socket.send('{"type":"pong"}')
  t.same(socket.sent, ['{"type":"pong"}'])
  session.opts.socket.close(1008, 'too many refused frames')
  socket.fire('onmessage', { data: 'late' })
  t.same(socket.closes, [], 'not closed while the peer is still sending')
  await socket.closeCalled
  t.same(socket.closes, [[1008, 'too many refused frames']])
  t.same(session.received, ['{"type":"ping"}'], 'frames after the close was asked for are dropped')
  socket.fire('onclose', { code: 1008 })
  t.ok(session.isClosed, 'the session hears the close')
})
