/**
 * A client cannot grow the server's queues, over real sockets on the Node adapter: a client
 * that sends but never reads is not read either (its replies stay near `readPauseBytes`), a
 * frame flood is closed with 1008, and a slow consumer over the hard limit is cut at once
 * and logged once.
 *
 * Loopback TCP buffers absorb about 4 MB of replies before anything queues in the server's
 * process, so the floods are written as raw frames in one buffer (cheap for the client) and
 * are big enough to go well past that.
 */
import t from 'tap'
import type { Socket } from 'node:net'
import type { OpenSessionOptions, Session } from '../../actors/host-api.ts'
import { Client, is, type Pred } from '../support/client.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { uniq } from './scenarios/util.ts'

const MiB = 1024 * 1024

/** What the server did with one user's socket, seen through its host session. */
interface Watched {
  /** Most bytes queued on the server's socket just after any frame was written to it. */
  maxBuffered: number
  /** Frames the server read. */
  received: number
  /** Frames the server wrote. */
  sent: number
  /** Resolves the first time the server stops reading the socket. */
  paused: Promise<void>
  /** Resolves once the server has read `n` frames. */
  read(n: number): Promise<void>
  /** Resolves when the server's socket is gone (the session hears `closed`). */
  closed: Promise<void>
}

/** Wraps the host's sessions to measure, per user, what the server queued and read. */
function watchSessions(s: InProcess): (userId: string) => Watched {
  const byUser = new Map<string, Watched>()
  const host = s.gh.host
  const open = host.openSession.bind(host)
  host.openSession = (opts: OpenSessionOptions): Session => {
    let onPause!: () => void
    let onClose!: () => void
    const readers: { n: number; resolve: () => void }[] = []
    const w: Watched = {
      maxBuffered: 0,
      received: 0,
      sent: 0,
      paused: new Promise((r) => (onPause = r)),
      read: (n) => (w.received >= n ? Promise.resolve() : new Promise((resolve) => void readers.push({ n, resolve }))),
      closed: new Promise((r) => (onClose = r)),
    }
    byUser.set(opts.user.id, w)
    const socket = opts.socket
    // Delegated one by one: a port may keep its methods on a prototype (the Node adapter's does).
    const watched: OpenSessionOptions['socket'] = {
      bufferedAmount: () => socket.bufferedAmount(),
      close: (code, reason) => socket.close(code, reason),
      ...(socket.terminate && { terminate: () => socket.terminate!() }),
      send(text: string) {
        socket.send(text)
        w.sent++
        w.maxBuffered = Math.max(w.maxBuffered, socket.bufferedAmount())
      },
      ...(socket.pauseReading && {
        pauseReading() {
          socket.pauseReading!()
          onPause()
        },
      }),
    }
    const session = open({ ...opts, socket: watched })
    return {
      receive(text) {
        w.received++
        for (const r of readers) if (w.received === r.n) r.resolve()
        session.receive(text)
      },
      closed() {
        onClose()
        session.closed()
      },
    }
  }
  return (userId) => byUser.get(userId)!
}

/** Masked client text frames (mask key 0), for short texts, as one buffer. */
function rawFrames(texts: string[]): Buffer {
  const parts: Buffer[] = []
  for (const text of texts) {
    const payload = Buffer.from(text)
    if (payload.length > 125) throw new Error('short frames only')
    parts.push(Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload)
  }
  return Buffer.concat(parts)
}

function tcp(c: Client): Socket {
  return (c.ws as unknown as { _socket: Socket })._socket
}

/** Resolves once the client has received `n` frames matching `pred`. */
function received(c: Client, pred: Pred, n: number): Promise<void> {
  let count = c.seen(pred).length
  return new Promise((resolve) => {
    const check = () => {
      if (pred(c.frames.at(-1)!) && ++count >= n) {
        c.ws.off('message', check)
        resolve()
      }
    }
    if (count >= n) resolve()
    else c.ws.on('message', check)
  })
}

/**
 * The client stops reading, writes `frames` at once, and reads again only once the server has
 * paused reading it (or has read everything, which is the bug); then it waits for one reply
 * (a frame matching `reply`) to each frame.
 */
async function floodWithoutReading(c: Client, w: Watched, frames: string[], reply: Pred): Promise<void> {
  const socket = tcp(c)
  socket.pause()
  socket.write(rawFrames(frames))
  await Promise.race([w.paused, w.read(frames.length)])
  socket.resume()
  await received(c, reply, frames.length)
}

// Replies queue in the server only past what loopback TCP absorbs; keep the peer timeout out
// of the way (a client that reads nothing is also silent) and the frame rate, tested below.
const floodEnv = { LIMIT_FRAME_BURST: '1000000', LIMIT_FRAMES_PER_SECOND: '1000000', LIMIT_PEER_TIMEOUT_MS: '60000' }

t.test('a client that sends pings and never reads is not read: its pongs stay near readPauseBytes', async (t) => {
  const s = await startInProcess({ env: floodEnv })
  t.teardown(() => s.stop())
  const watch = watchSessions(s)
  const c = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'pinger' }) })
  const n = 300_000 // 5.1 MB of pongs
  await floodWithoutReading(c, watch('pinger'), Array(n).fill('{"type":"ping"}'), is('pong'))
  const w = watch('pinger')
  t.equal(c.seen(is('pong')).length, n, 'every ping was answered once the client read')
  t.ok(
    w.maxBuffered < 3 * s.limits.readPauseBytes,
    `queued at most ${w.maxBuffered} bytes (readPauseBytes ${s.limits.readPauseBytes})`,
  )
  await c.close()
})

t.test('rate_limited replies to a client that never reads stay near readPauseBytes', async (t) => {
  const s = await startInProcess({ env: floodEnv })
  t.teardown(() => s.stop())
  const watch = watchSessions(s)
  const room = uniq('flood')
  const c = await Client.open(`${s.ws}/ws/rooms/${room}`, { token: await s.token({ sub: 'sender' }) })
  await c.take(is('welcome'))
  const n = 60_000 // about 7.5 MB of refusals after the first ten sends
  const frames = Array.from({ length: n }, (_, i) => `{"type":"send","id":"k${i}","text":"x"}`)
  // Each send is answered once: ack, or rate_limited for all but the burst (and its refill).
  await floodWithoutReading(c, watch('sender'), frames, (f) => f.type === 'ack' || f.type === 'error')
  const w = watch('sender')
  const limited = c.seen(is('error', { code: 'rate_limited' })).length
  t.equal(limited + c.seen(is('ack')).length, n, 'every send was answered once the client read')
  t.ok(limited > n - 100, `${limited} refusals`)
  t.ok(
    w.maxBuffered < 5 * s.limits.readPauseBytes,
    `queued at most ${w.maxBuffered} bytes (readPauseBytes ${s.limits.readPauseBytes})`,
  )
  await c.close()
})

t.test('a flood of frames is closed with 1008 "too many frames", logged once', async (t) => {
  const s = await startInProcess()
  t.teardown(() => s.stop())
  const c = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'flooder' }) })
  const n = s.limits.frameBurst + 100
  for (let i = 0; i < n; i++) c.send({ type: 'ping' })
  t.same(await c.closedBy(), { code: 1008, reason: 'too many frames' })
  t.ok(c.seen(is('pong')).length < n, 'the frames past the limit were not answered')
  await s.gh.drain()
  t.equal(s.logs.filter((l) => l.event === 'frame_flood').length, 1)
})

t.test('a slow consumer over the hard limit is cut at once (not after 30 s) and logged once', async (t) => {
  const s = await startInProcess({
    env: {
      ...floodEnv,
      LIMIT_SOFT_OUTBOUND_BYTES: String(MiB / 2),
      LIMIT_HARD_OUTBOUND_BYTES: String(MiB),
      LIMIT_SEND_BURST: '10000',
      LIMIT_SEND_PER_SECOND: '10000',
      LIMIT_USER_SEND_BURST: '100000',
      LIMIT_USER_SEND_PER_SECOND: '100000',
      LIMIT_USER_SEND_BYTES_BURST: String(1024 * MiB),
      LIMIT_USER_SEND_BYTES_PER_SECOND: String(1024 * MiB),
    },
  })
  t.teardown(() => s.stop())
  const watch = watchSessions(s)
  const room = uniq('slow')
  const slow = await Client.open(`${s.ws}/ws/rooms/${room}`, { token: await s.token({ sub: 'slow' }) })
  await slow.take(is('welcome'))
  tcp(slow).pause()
  const alice = await Client.open(`${s.ws}/ws/rooms/${room}`, { token: await s.token({ sub: 'alice' }) })
  await alice.take(is('welcome'))
  const text = 'x'.repeat(s.limits.maxTextLength)
  let sent = 0
  let cut = false
  void watch('slow').closed.then(() => (cut = true))
  // Messages of 4000 characters, 100 at a time, until the slow socket is cut (past what
  // loopback TCP absorbs plus the hard limit: about 1,300 messages).
  while (!cut && sent < 5_000) {
    for (let i = 0; i < 100; i++) alice.send({ type: 'send', id: `m${++sent}`, text })
    await alice.take(is('ack', { id: `m${sent}` }))
  }
  t.ok(cut, 'the server dropped the slow socket while its client still read nothing')
  t.ok(watch('slow').maxBuffered < 2 * MiB, `queued at most ${watch('slow').maxBuffered} bytes`)
  await alice.sync()
  await s.gh.drain()
  t.equal(s.logs.filter((l) => l.event === 'slow_consumer_closed').length, 1, 'logged once')
  tcp(slow).resume()
  t.equal((await slow.closedBy()).code, 1006, 'cut without a closing handshake')
})
