/** The room's decisions on virtual time, with a fake link (no socket): what goes out, and when. */
import t from 'tap'
import { Room, type RoomLink } from './room.ts'
import type { Message } from './wire.ts'

function rig(options: { since?: number } = {}) {
  let now = 0
  let timers: { at: number; fn: () => void }[] = []
  const sent: Record<string, unknown>[] = []
  let connected = true
  let ids = 0
  const link: RoomLink = {
    connected: () => connected,
    transmit: (f) => sent.push(f),
    now: () => now,
    setTimer: (fn, ms) => {
      const timer = { at: now + ms, fn }
      timers.push(timer)
      return () => (timers = timers.filter((x) => x !== timer))
    },
    backoff: (attempt) => 100 * 2 ** attempt,
    newId: () => `id${++ids}`,
    history: async () => ({ messages: [], more: false }),
    forget: () => {},
  }
  const room = new Room('lobby', link, { ...options, maxUnackedSends: 10, typing: { throttleMs: 2000, idleMs: 5000 } })
  const advance = (ms: number) => {
    const until = now + ms
    for (;;) {
      const next = timers.filter((x) => x.at <= until).sort((a, b) => a.at - b.at)[0]
      if (!next) break
      timers = timers.filter((x) => x !== next)
      now = next.at
      next.fn()
    }
    now = until
  }
  const welcome = (seq: number, extra: Record<string, unknown> = {}) =>
    room.receive({
      type: 'welcome',
      room: 'lobby',
      user: 'me',
      seq,
      lastRead: 0,
      presence: ['me'],
      typing: [],
      ...extra,
    })
  const message = (seq: number): Message => ({
    id: `m${seq}`,
    seq,
    roomId: 'lobby',
    senderId: 'x',
    text: `t${seq}`,
    ts: seq,
  })
  const deliver = (seq: number) => room.receive({ type: 'message', room: 'lobby', message: message(seq) })
  return {
    room,
    sent,
    advance,
    welcome,
    deliver,
    drop: () => {
      connected = false
      room.disconnected()
    },
    reconnect: () => {
      connected = true
      sent.push(room.joinFrame())
    },
  }
}

t.test(
  'rate_limited: nothing is resent before retryAfterMs, then everything waiting, in order, same ids',
  async (t) => {
    const r = rig()
    r.welcome(0)
    void r.room.send('a')
    void r.room.send('b')
    r.sent.length = 0
    r.room.receive({ type: 'error', room: 'lobby', code: 'rate_limited', ref: 'id1', retryAfterMs: 700, message: '' })
    r.room.receive({ type: 'error', room: 'lobby', code: 'rate_limited', ref: 'id2', retryAfterMs: 700, message: '' })
    void r.room.send('c')
    r.advance(699)
    t.same(r.sent, [], 'held')
    r.advance(1)
    t.same(
      r.sent.map((f) => f.id),
      ['id1', 'id2', 'id3'],
    )
  },
)

t.test(
  'a drop: re-join with since = the last seq delivered; unanswered sends and the read marker go again',
  async (t) => {
    const r = rig()
    r.welcome(5)
    r.deliver(6)
    r.deliver(7)
    const acked = r.room.send('x')
    r.room.markRead(7)
    r.drop()
    r.sent.length = 0
    r.reconnect()
    t.same(r.sent, [{ type: 'join', room: 'lobby', since: 7 }])
    r.welcome(8, { recovered: true })
    t.same(r.sent.slice(1), [
      { type: 'read', room: 'lobby', seq: 7 },
      { type: 'send', room: 'lobby', id: 'id1', text: 'x' },
    ])
    const seen: number[] = []
    r.room.on('message', (m) => seen.push(m.seq))
    r.deliver(7) // a repeat
    r.deliver(8)
    r.room.receive({ type: 'ack', room: 'lobby', id: 'id1', seq: 8, messageId: 'm8' })
    r.room.receive({ type: 'ack', room: 'lobby', id: 'id1', seq: 8, messageId: 'm8' })
    t.same(seen, [8])
    t.same(await acked, { room: 'lobby', id: 'id1', seq: 8, messageId: 'm8' })
    t.equal(r.room.unacked, 0)
  },
)

t.test('recovered: false is a gap: live messages go on from the welcome', async (t) => {
  const r = rig({ since: 3 })
  const gaps: unknown[] = []
  r.room.on('gap', (g) => gaps.push(g))
  t.same(r.room.joinFrame(), { type: 'join', room: 'lobby', since: 3 })
  r.welcome(50_000, { recovered: false })
  t.same(gaps, [{ after: 3, through: 50_000 }])
  t.equal(r.room.lastDelivered, 50_000)
})

t.test('typing: throttled, stops by itself after idleMs, and on send', async (t) => {
  const r = rig()
  r.welcome(0)
  r.sent.length = 0
  r.room.typing()
  r.advance(1000)
  r.room.typing()
  r.advance(1000)
  r.room.typing()
  t.same(
    r.sent.map((f) => f.active),
    [true, true],
  )
  r.advance(4999)
  t.equal(r.sent.length, 2)
  r.advance(1)
  t.same(r.sent.at(-1), { type: 'typing', room: 'lobby', active: false })
  r.room.typing()
  void r.room.send('done')
  t.same(
    r.sent.slice(-3).map((f) => `${f.type}${f.active ?? ''}`),
    ['typingtrue', 'typingfalse', 'send'],
  )
})

t.test('unavailable: resent after the backoff, growing with each refusal', async (t) => {
  const r = rig()
  r.welcome(0)
  void r.room.send('a')
  r.sent.length = 0
  const refuse = () => r.room.receive({ type: 'error', room: 'lobby', code: 'unavailable', ref: 'id1', message: '' })
  refuse()
  r.advance(99)
  t.equal(r.sent.length, 0)
  r.advance(1)
  t.equal(r.sent.length, 1)
  refuse()
  r.advance(199)
  t.equal(r.sent.length, 1)
  r.advance(1)
  t.equal(r.sent.length, 2)
})
