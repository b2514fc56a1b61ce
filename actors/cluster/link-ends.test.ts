/**
 * The two ends of a link on their own, over a fake channel: the owner's stand-ins and its
 * caps (a slow gateway loses typing and presence first, then its link: bounded memory), and
 * the gateway's fan-out (one link message per broadcast, the same bytes to every local
 * connection, nothing before a connection's welcome, everything lost when the link goes).
 */
import t from 'tap'
import { RoomClosedError } from '../entry-errors.ts'
import type { RoomConnection } from '../room-connection.ts'
import { resolveLimits } from '../limits.ts'
import type { RoomFrame } from '../protocol/frames.ts'
import type { FrameInfo, RoomHandle } from '../room-handle.ts'
import { RoomMovedError, type PostOutcome, type RoomPost } from '../room-post.ts'
import { GatewayLink } from './gateway-link.ts'
import { decodeLink } from './link-codec.ts'
import type { GatewayHeader, OwnerHeader } from './link-frames.ts'
import { OwnerEndpoint } from './owner-endpoint.ts'
import type { LinkChannel } from './ports.ts'

class FakeChannel implements LinkChannel {
  readonly sent: string[] = []
  buffered = 0
  terminated: string | undefined
  onMessage = (_: string) => {}
  onClose = () => {}
  readonly peer: string
  constructor(peer: string) {
    this.peer = peer
  }
  send(data: string): void {
    this.sent.push(data)
  }
  bufferedAmount(): number {
    return this.buffered
  }
  terminate(reason: string): void {
    this.terminated = reason
  }
  headers(): Record<string, unknown>[] {
    return this.sent.map((d) => {
      const m = decodeLink(d)
      if (!m.ok) throw new Error(m.error)
      return { ...m.message.header, ...(m.message.payload === undefined ? {} : { payload: m.message.payload }) }
    })
  }
}

const limits = resolveLimits({ linkSoftBytes: 1000, linkHardBytes: 5000 })

/** A room that remembers its connections and lets the test speak for it. */
function fakeRoom() {
  const conns = new Map<number, RoomConnection>()
  const frames: [number, RoomFrame][] = []
  const handle: RoomHandle = {
    roomId: 'lobby',
    enter: async (conn) => void conns.set(conn.id, conn),
    frame: (id, f) => void frames.push([id, f]),
    leave: (id) => void conns.delete(id),
  }
  const posts: RoomPost[] = []
  const reads: { userId: string; seq: number }[] = []
  const postOutcome: PostOutcome = { ok: true, seq: 7, messageId: 'm7', created: true }
  return { conns, frames, handle, posts, reads, postOutcome: postOutcome as PostOutcome }
}

function owner() {
  const channel = new FakeChannel('gw')
  const room = fakeRoom()
  let ids = 100
  const endpoint = new OwnerEndpoint(
    {
      limits,
      logger: { info() {}, warn() {}, error() {} },
      nextConnectionId: () => ++ids,
      isLocal: (r) => r === 'lobby',
      openLocal: async (_r, conn, since) => {
        await room.handle.enter(conn, since)
        return room.handle
      },
      postLocal: async (_r, post) => {
        room.posts.push(post)
        return room.postOutcome
      },
      markReadLocal: async (_r, userId, seq) => void room.reads.push({ userId, seq }),
    },
    channel,
  )
  return { channel, room, endpoint }
}

const tick = () => new Promise((r) => setImmediate(r))

t.test('owner: a gateway connection enters through a stand-in; one group per room and link', async (t) => {
  const { channel, room, endpoint } = owner()
  endpoint.handle({ t: 'open', room: 'lobby', c: 7, user: 'alice', since: 3 }, undefined)
  endpoint.handle({ t: 'open', room: 'lobby', c: 8, user: 'bob' }, undefined)
  endpoint.handle({ t: 'open', room: 'elsewhere', c: 9, user: 'carol' }, undefined)
  await tick()
  t.same(channel.headers(), [
    { t: 'open_failed', room: 'elsewhere', c: 9, reason: 'moved' },
    { t: 'opened', room: 'lobby', c: 7 },
    { t: 'opened', room: 'lobby', c: 8 },
  ])
  const [a, b] = [...room.conns.values()]
  t.equal(a!.userId, 'alice')
  t.ok(a!.group && a!.group === b!.group, 'both stand-ins share the link group')
  channel.sent.length = 0
  a!.send('{"type":"welcome"}', { welcome: { seq: 3, recovered: true } })
  a!.group!.broadcast('{"type":"message"}', 'bob', { seq: 4 })
  endpoint.handle({ t: 'frame', room: 'lobby', c: 7 }, JSON.stringify({ type: 'send', id: 'x', text: 'hi' }))
  t.same(channel.headers(), [
    { t: 'to', room: 'lobby', c: 7, w: { seq: 3, recovered: true }, payload: '{"type":"welcome"}' },
    { t: 'b', room: 'lobby', ex: 'bob', s: 4, payload: '{"type":"message"}' },
  ])
  t.same(room.frames, [[a!.id, { type: 'send', id: 'x', text: 'hi' }]])
})

t.test(
  'owner: a frame that is not a room frame is not passed on; one for a connection not here is answered lost',
  async (t) => {
    const { channel, room, endpoint } = owner()
    endpoint.handle({ t: 'open', room: 'lobby', c: 1, user: 'alice' }, undefined)
    await tick()
    channel.sent.length = 0
    endpoint.handle({ t: 'frame', room: 'lobby', c: 1 }, JSON.stringify({ type: 'join', room: 'x' }))
    endpoint.handle({ t: 'frame', room: 'lobby', c: 1 }, 'not json')
    endpoint.handle({ t: 'frame', room: 'lobby', c: 2 }, JSON.stringify({ type: 'typing', active: true }))
    t.same(room.frames, [])
    t.same(channel.headers(), [{ t: 'lost', room: 'lobby', c: 2, reason: 'not in the room here' }])
  },
)

t.test(
  'owner: a slow gateway loses typing and presence first, then its link; nothing queues past the cap',
  async (t) => {
    const { channel, room, endpoint } = owner()
    endpoint.handle({ t: 'open', room: 'lobby', c: 1, user: 'alice' }, undefined)
    await tick()
    const conn = [...room.conns.values()][0]!
    channel.sent.length = 0
    channel.buffered = 2000 // over linkSoftBytes
    t.ok(conn.send('{"type":"typing"}', { droppable: true }), 'dropped, not gone')
    conn.group!.broadcast('{"type":"presence"}', undefined, { droppable: true })
    t.ok(conn.send('{"type":"message"}', { seq: 5 }), 'a message still goes')
    t.same(
      channel.headers().map((h) => h.t),
      ['to'],
    )
    channel.buffered = 6000 // over linkHardBytes
    t.notOk(conn.send('{"type":"message"}', { seq: 6 }), 'the link is cut: the connection is gone')
    t.equal(channel.terminated, 'slow node')
    t.equal(room.conns.size, 0, 'its connections left the room')
    t.equal(endpoint.size(), 0)
    t.equal(channel.sent.length, 1, 'nothing queued after the cut')
  },
)

t.test('owner: the link closing takes every stand-in out of its room', async (t) => {
  const { room, endpoint } = owner()
  for (const c of [1, 2, 3]) endpoint.handle({ t: 'open', room: 'lobby', c, user: `u${c}` }, undefined)
  await tick()
  t.equal(room.conns.size, 3)
  endpoint.linkClosed()
  t.equal(room.conns.size, 0)
})

/** A gateway connection that records what it was given. */
function localConn(id: number, userId: string) {
  const got: [string, FrameInfo | undefined][] = []
  const events: string[] = []
  const conn: RoomConnection = {
    id,
    userId,
    send: (text, info) => {
      got.push([text, info])
      return true
    },
    refused: (code) => void events.push(`refused ${code}`),
    revoked: (reason) => void events.push(`revoked ${reason}`),
    lost: (reason) => void events.push(`lost ${reason}`),
    kick: () => void events.push('kick'),
  }
  return { conn, got, events }
}

t.test(
  'gateway: one broadcast reaches every entered local connection with the same bytes, not the sender, not before a welcome',
  async (t) => {
    const channel = new FakeChannel('owner')
    const gw = new GatewayLink(channel)
    const a = localConn(1, 'alice')
    const b = localConn(2, 'bob')
    const c = localConn(3, 'carol')
    const entered = [
      gw.open('lobby', a.conn, undefined),
      gw.open('lobby', b.conn, 4),
      gw.open('lobby', c.conn, undefined),
    ]
    t.same(channel.headers(), [
      { t: 'open', room: 'lobby', c: 1, user: 'alice' },
      { t: 'open', room: 'lobby', c: 2, user: 'bob', since: 4 },
      { t: 'open', room: 'lobby', c: 3, user: 'carol' },
    ])
    const deliver = (h: OwnerHeader, payload?: string) => gw.handle(h, payload)
    deliver({ t: 'to', room: 'lobby', c: 1, w: { seq: 4 } }, 'W1')
    deliver({ t: 'opened', room: 'lobby', c: 1 })
    deliver({ t: 'to', room: 'lobby', c: 2, w: { seq: 4, recovered: true } }, 'W2')
    deliver({ t: 'opened', room: 'lobby', c: 2 })
    await Promise.all(entered.slice(0, 2))
    const text = '{"type":"message","seq":5}'
    deliver({ t: 'b', room: 'lobby', s: 5 }, text)
    deliver({ t: 'b', room: 'lobby', ex: 'alice', d: true }, 'TYPING')
    t.same(a.got, [
      ['W1', { welcome: { seq: 4 } }],
      [text, { droppable: false, seq: 5 }],
    ])
    t.same(b.got, [
      ['W2', { welcome: { seq: 4, recovered: true } }],
      [text, { droppable: false, seq: 5 }],
      ['TYPING', { droppable: true }],
    ])
    t.same(c.got, [], 'carol is not in yet: what came before her welcome is in her backlog')
    t.equal(a.got[1]![0], b.got[1]![0], 'the same string, not re-encoded')
    deliver({ t: 'open_failed', room: 'lobby', c: 3, reason: 'closed' })
    // The class a local entry throws, so the session refuses alike wherever the room lives.
    const refused = await entered[2]!.then(
      () => undefined,
      (err: unknown) => err,
    )
    t.ok(refused instanceof RoomClosedError, 'rejects with RoomClosedError itself')
  },
)

t.test(
  'gateway: frames go out with the connection id; refusals, revocations and losses reach the connection',
  async (t) => {
    const channel = new FakeChannel('owner')
    const gw = new GatewayLink(channel)
    const a = localConn(1, 'alice')
    const b = localConn(2, 'bob')
    const entered = [gw.open('lobby', a.conn, undefined), gw.open('lobby', b.conn, undefined)]
    for (const c of [1, 2]) {
      gw.handle({ t: 'to', room: 'lobby', c, w: { seq: 0 } }, 'W')
      gw.handle({ t: 'opened', room: 'lobby', c }, undefined)
    }
    await Promise.all(entered)
    channel.sent.length = 0
    gw.frame(1, { type: 'send', id: 'm1', text: 'hi' })
    t.same(channel.headers(), [{ t: 'frame', room: 'lobby', c: 1, payload: '{"type":"send","id":"m1","text":"hi"}' }])
    gw.handle({ t: 'refused', room: 'lobby', c: 1, code: 'too_long' }, undefined)
    gw.handle({ t: 'revoked', room: 'lobby', c: 2, reason: 'revoked' }, undefined)
    t.same(a.events, ['refused too_long'])
    t.same(b.events, ['revoked revoked'])
    gw.linkClosed()
    t.same(a.events, ['refused too_long', 'lost owner unreachable'], 'the link gone: every connection on it moves')
    t.same(b.events, ['revoked revoked'], 'a connection already out is not told again')
  },
)

/** Feeds every link message one end queued to the other end, as the link would, until both are quiet. */
async function pump(gatewayChannel: FakeChannel, gateway: GatewayLink, ownerChannel: FakeChannel, end: OwnerEndpoint) {
  for (let rounds = 0; rounds < 10; rounds++) {
    const up = gatewayChannel.sent.splice(0)
    const down = ownerChannel.sent.splice(0)
    for (const data of up) {
      const m = decodeLink(data)
      if (!m.ok) throw new Error(m.error)
      end.handle(m.message.header as GatewayHeader, m.message.payload)
    }
    for (const data of down) {
      const m = decodeLink(data)
      if (!m.ok) throw new Error(m.error)
      gateway.handle(m.message.header as OwnerHeader, m.message.payload)
    }
    await tick()
  }
}

t.test('a post and a read marker cross the link and come back answered', async (t) => {
  const { channel: ownerChannel, room, endpoint } = owner()
  const gatewayChannel = new FakeChannel('owner')
  const gateway = new GatewayLink(gatewayChannel)
  const stored = gateway.post('lobby', { senderId: 'system', id: 'p1', text: 'hi\nthere', unlimited: true })
  const marked = gateway.markRead('lobby', 'alice', 4)
  t.same(gatewayChannel.headers(), [
    {
      t: 'post',
      room: 'lobby',
      r: 1,
      user: 'system',
      u: true,
      payload: '{"type":"send","id":"p1","text":"hi\\nthere"}',
    },
    { t: 'mark', room: 'lobby', r: 2, user: 'alice', seq: 4 },
  ])
  await pump(gatewayChannel, gateway, ownerChannel, endpoint)
  t.same(await stored, { ok: true, seq: 7, messageId: 'm7', created: true })
  await marked
  t.same(room.posts, [{ senderId: 'system', id: 'p1', text: 'hi\nthere', unlimited: true }])
  t.same(room.reads, [{ userId: 'alice', seq: 4 }])

  room.postOutcome = { ok: true, seq: 7, messageId: 'm7', created: false }
  const again = gateway.post('lobby', { senderId: 'system', id: 'p1', text: 'hi' })
  await pump(gatewayChannel, gateway, ownerChannel, endpoint)
  t.same(await again, { ok: true, seq: 7, messageId: 'm7', created: false }, 'a repeated id says so')

  room.postOutcome = { ok: false, code: 'rate_limited', message: 'x', retryAfterMs: 180 }
  const limited = gateway.post('lobby', { senderId: 'bob', id: 'p2', text: 'hi' })
  await pump(gatewayChannel, gateway, ownerChannel, endpoint)
  t.match(await limited, { ok: false, code: 'rate_limited', retryAfterMs: 180 })
})

t.test('a post for a room the owner does not have, or on a link that goes, is to be asked again', async (t) => {
  const { channel: ownerChannel, endpoint } = owner()
  const gatewayChannel = new FakeChannel('owner')
  const gateway = new GatewayLink(gatewayChannel)
  const elsewhere = gateway.post('elsewhere', { senderId: 'bob', id: 'p1', text: 'hi' })
  const refused = t.rejects(elsewhere, RoomMovedError)
  await pump(gatewayChannel, gateway, ownerChannel, endpoint)
  await refused
  const cut = gateway.post('lobby', { senderId: 'bob', id: 'p2', text: 'hi' })
  const mark = gateway.markRead('lobby', 'bob', 1)
  gateway.linkClosed()
  await t.rejects(cut, RoomMovedError, 'unanswered when the link went: unknown, so asked again by id')
  await t.rejects(mark, RoomMovedError)
  await t.rejects(gateway.post('lobby', { senderId: 'bob', id: 'p3', text: 'hi' }), RoomMovedError)
})
