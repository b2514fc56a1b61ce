/**
 * The connection's decisions on virtual time, with a fake WebSocket, clock and fetch: the
 * reconnect delays, the heartbeat that replaces a silent connection, joins on (re)connect.
 */
import t from 'tap'
import { GuildhallClient, type ClientClock, type WebSocketLike } from './client.ts'

class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = []
  readyState = 0
  sent: Record<string, unknown>[] = []
  closedWith: number | undefined
  onopen: ((ev: unknown) => void) | null = null
  onmessage: ((ev: { data: unknown }) => void) | null = null
  onclose: ((ev: { code: number; reason: string }) => void) | null = null
  onerror: ((ev: unknown) => void) | null = null
  readonly url: string
  constructor(url: string) {
    this.url = url
    FakeSocket.all.push(this)
  }
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>)
  }
  close(code?: number) {
    this.closedWith = code
  }
  open() {
    this.readyState = 1
    this.onopen?.({})
  }
  receive(frame: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  drop(code = 1006) {
    this.readyState = 3
    this.onclose?.({ code, reason: '' })
  }
}

function rig() {
  FakeSocket.all = []
  let now = 0
  let timers: { at: number; fn: () => void; id: number }[] = []
  let ids = 0
  const clock: ClientClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const timer = { at: now + ms, fn, id: ++ids }
      timers.push(timer)
      return timer.id
    },
    clearTimeout: (id) => {
      timers = timers.filter((x) => x.id !== id)
    },
  }
  const advance = async (ms: number) => {
    const until = now + ms
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve)) // let promise chains (the probe) settle
      const next = timers.filter((x) => x.at <= until).sort((a, b) => a.at - b.at)[0]
      if (!next) break
      timers = timers.filter((x) => x !== next)
      now = next.at
      next.fn()
    }
    now = until
    await new Promise((resolve) => setImmediate(resolve))
  }
  const probes: string[] = []
  const client = new GuildhallClient({
    url: 'http://chat.test',
    token: 'not-a-jwt',
    WebSocket: FakeSocket,
    fetch: async (input) => {
      probes.push(String(input))
      return new Response('{"error":"invalid_request"}', { status: 400 })
    },
    clock,
    random: () => 0,
    backoff: { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, jitter: 0.5 },
    heartbeatMs: 20_000,
    heartbeatTimeoutMs: 10_000,
  })
  const delays: number[] = []
  client.on('status', (s) => s.status === 'reconnecting' && delays.push(s.delayMs!))
  return { client, advance, delays, probes, latest: () => FakeSocket.all.at(-1)! }
}

t.test('failed connects back off exponentially to the cap; a welcome resets the count', async (t) => {
  const { client, advance, delays, probes, latest } = rig()
  client.join('lobby')
  t.equal(latest().url, 'ws://chat.test/ws?token=not-a-jwt')
  for (let i = 0; i < 6; i++) {
    const reconnecting = client.once('status')
    latest().drop()
    await advance((await reconnecting).delayMs!)
  }
  t.same(delays, [100, 200, 400, 800, 1000, 1000])
  t.equal(probes.length, 6, 'each connect that never opened asked whether the token was refused')
  t.equal(FakeSocket.all.length, 7)
  const s = latest()
  s.open()
  t.same(s.sent, [{ type: 'join', room: 'lobby' }])
  s.receive({ type: 'welcome', room: 'lobby', user: 'u', seq: 0, lastRead: 0, presence: ['u'], typing: [] })
  s.drop()
  t.equal(delays.at(-1), 100, 'back to the first delay')
  t.equal(probes.length, 6, 'no probe for a connection that had opened')
  client.close()
})

t.test('a silent connection is pinged, then replaced; frames keep it alive', async (t) => {
  const { client, advance, latest } = rig()
  client.join('lobby')
  const first = latest()
  first.open()
  await advance(19_999)
  first.receive({ type: 'pong' })
  await advance(19_999)
  t.same(
    first.sent.map((f) => f.type),
    ['join'],
    'nothing sent while frames come in',
  )
  await advance(1)
  t.same(first.sent.at(-1), { type: 'ping' })
  await advance(9_999)
  t.equal(FakeSocket.all.length, 1)
  await advance(1)
  t.equal(first.closedWith, 4000, 'given up without waiting for a close')
  await advance(100)
  t.equal(FakeSocket.all.length, 2, 'a new connection')
  client.close()
})

t.test('close: no reconnect, the rooms end', async (t) => {
  const { client, advance, latest } = rig()
  const room = client.join('lobby')
  const ended = room.once('left')
  client.close()
  t.same(await ended, { reason: 'client_closed' })
  t.match(await room.ready.catch((e: unknown) => e), { code: 'closed' })
  latest().drop()
  await advance(60_000)
  t.equal(FakeSocket.all.length, 1)
  t.equal(client.status, 'closed')
})
