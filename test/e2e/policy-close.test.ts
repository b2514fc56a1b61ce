/**
 * Policy closes reach a client that is still sending, on Node (in process) and on Deno
 * (`start:deno`'s command as a child): Deno's server WebSocket used to drop the connection
 * when a frame arrived after its close, and the client saw 1006 instead of 1008. And where
 * reading cannot be paused (Deno), a client that never reads its replies is closed with 1008.
 */
import t from 'tap'
import type { Socket } from 'node:net'
import { Client, is } from '../support/client.ts'
import { startChild, startInProcess, type Child, type Target } from '../support/server.ts'

const runtimes: [string, () => Promise<Target>][] = [
  ['node', () => startInProcess()],
  ['deno', () => startChild({ runtime: 'deno' })],
]

for (const [name, start] of runtimes) {
  t.test(name, async (t) => {
    const s = await start()
    t.teardown(() => s.stop())

    t.test('80 invalid frames in a burst: 51 refusals, then 1008 seen by the client still sending', async (t) => {
      const c = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'burst' }) })
      for (let i = 0; i < 80; i++) c.send('not json')
      t.same(await c.closedBy(), { code: 1008, reason: 'too many refused frames' })
      t.equal(c.seen(is('error', { code: 'invalid_frame' })).length, s.limits.maxRefusals + 1)
    })

    t.test('a frame flood: 1008 "too many frames" seen by the client still sending', async (t) => {
      const c = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'flood' }) })
      for (let i = 0; i < s.limits.frameBurst + 100; i++) c.send({ type: 'ping' })
      t.same(await c.closedBy(), { code: 1008, reason: 'too many frames' })
    })
  })
}

/** Rejects if `p` has not settled within `ms` (a guard against a hung test, not a timing). */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms).unref()),
  ])
}

/** Masked client text frames (mask key 0) as one buffer. */
function rawFrames(texts: string[]): Buffer {
  const parts: Buffer[] = []
  for (const text of texts) {
    const payload = Buffer.from(text)
    parts.push(Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload)
  }
  return Buffer.concat(parts)
}

t.test('deno: a client that never reads its replies is closed with 1008 once over readPauseBytes', async (t) => {
  // The frame rate and the peer timeout out of the way: only the read backlog is tested.
  const env = { LIMIT_FRAME_BURST: '1000000', LIMIT_FRAMES_PER_SECOND: '1000000', LIMIT_PEER_TIMEOUT_MS: '60000' }
  const s: Child = await startChild({ runtime: 'deno', env })
  t.teardown(() => s.stop())
  const c = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'deaf' }) })
  const socket = (c.ws as unknown as { _socket: Socket })._socket
  socket.pause()
  const n = 300_000
  socket.write(rawFrames(Array(n).fill('{"type":"ping"}')))
  const line = await within(
    s.logged((l) => l.event === 'backlog_flood'),
    15_000,
    'backlog_flood',
  )
  t.ok((line.buffered as number) < 2 * s.limits.readPauseBytes, `closed with ${String(line.buffered)} bytes queued`)
  socket.resume()
  t.same(await c.closedBy(), { code: 1008, reason: 'too many frames while replies are unread' })
  t.ok(c.seen(is('pong')).length < n / 10, `${c.seen(is('pong')).length} of ${n} pings answered`)
})
