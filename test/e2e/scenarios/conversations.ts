/**
 * docs/protocol.md "Conversations and my rooms": `POST /conversations`, `GET /me/rooms`, the
 * `rooms` and `dm` frames, over real HTTP and sockets. Every user here is fresh (`uniq`), so
 * the per-user creation limit of one scenario never meets another's.
 */
import type { Test } from 'tap'
import { Client, is, type Frame } from '../../support/client.ts'
import type { Target } from '../../support/server.ts'
import { admin, http, uniq } from './util.ts'

type Listed = {
  room: string
  kind: string
  seq: number
  lastRead: number
  unread: number
  lastMessage: Record<string, unknown> | null
  members?: string[]
}

async function as(s: Target, sub: string) {
  const token = await s.token({ sub })
  return {
    token,
    post: (body: unknown) => http(s, 'POST', '/conversations', { token, body }),
    rooms: async (query = '') => {
      const res = await http(s, 'GET', `/me/rooms${query}`, { token })
      return res as { status: number; body: { rooms: Listed[]; nextCursor?: string; error?: string } }
    },
    ws: () => Client.open(`${s.ws}/ws`, { token }),
  }
}

/** The listed room's last message's ts (0 without one). */
const tsOf = (r: Listed | undefined): number => Number(r?.lastMessage?.ts ?? 0)

/** Every room of the user, walking `nextCursor` with pages of `limit`. */
async function allPages(user: Awaited<ReturnType<typeof as>>, limit: number): Promise<Listed[][]> {
  const pages: Listed[][] = []
  let cursor: string | undefined
  do {
    const res = await user.rooms(`?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
    if (res.status !== 200) throw new Error(`GET /me/rooms: ${res.status} ${JSON.stringify(res.body)}`)
    pages.push(res.body.rooms)
    cursor = res.body.nextCursor
  } while (cursor !== undefined && pages.length < 100)
  return pages
}

export function conversationScenarios(t: Test, target: () => Target): void {
  t.test('POST /conversations: the pair has one room whoever asks; groups are new each time', async (t) => {
    const s = target()
    const [ann, bob, cat] = [uniq('ann'), uniq('bob'), uniq('cat')]
    const a = await as(s, ann)
    const b = await as(s, bob)
    const made = await b.post({ members: [ann] })
    t.equal(made.status, 201)
    t.same(made.body?.members, [ann, bob].sort())
    t.match(made.body?.room, /^[A-Za-z0-9_-]{1,64}$/)
    t.same(await a.post({ members: [bob, ann] }), { status: 200, body: made.body }, 'the other side: 200, same room')
    t.same(await b.post({ members: [ann, ann] }), { status: 200, body: made.body })
    const g1 = await a.post({ members: [bob, cat] })
    const g2 = await a.post({ members: [cat, bob] })
    t.equal(g1.status, 201)
    t.equal(g2.status, 201)
    t.not(g1.body?.room, g2.body?.room, 'a group is new each time')
    t.same(g1.body?.members, [ann, bob, cat].sort())
    // Members enter it like a private room; nobody else may.
    const room = made.body!.room as string
    const history = await http(s, 'GET', `/rooms/${room}/messages`, { token: a.token })
    t.same(history, { status: 200, body: { messages: [], more: false } })
    const outsider = await http(s, 'GET', `/rooms/${room}/messages`, { token: await s.token({ sub: cat }) })
    t.equal(outsider.status, 403)
  })

  t.test('POST /conversations refusals: 400 with what is wrong, 401, 429 with retryAfterMs', async (t) => {
    const s = target()
    const me = uniq('me')
    const u = await as(s, me)
    const cases: [unknown, RegExp][] = [
      ['not json', /JSON/],
      [{}, /members/],
      [{ members: 'bob' }, /members/],
      [{ members: [] }, /other than yourself/],
      [{ members: [me] }, /other than yourself/],
      [{ members: ['x'.repeat(129)] }, /1\.\.128/],
      [{ members: Array.from({ length: 50 }, (_, i) => `u${i}`) }, /at most 49/],
    ]
    for (const [body, message] of cases) {
      const res = await u.post(body)
      t.equal(res.status, 400, JSON.stringify(body).slice(0, 40))
      t.match(res.body, { error: 'invalid_request', message })
    }
    t.equal((await http(s, 'POST', '/conversations', { body: { members: ['x'] } })).status, 401)
    const limit = s.limits.conversationsPerMinute
    const first = uniq('peer')
    t.equal((await u.post({ members: [first] })).status, 201)
    for (let i = 1; i < limit; i++) t.equal((await u.post({ members: [uniq('peer')] })).status, 201)
    const refused = await u.post({ members: [uniq('peer')] })
    t.equal(refused.status, 429)
    t.match(refused.body, { error: 'rate_limited', retryAfterMs: Number })
    t.ok((refused.body!.retryAfterMs as number) > 0)
    t.equal((await u.post({ members: [first] })).status, 200, 'an existing pair is answered at the limit')
    t.equal((await (await as(s, uniq('other'))).post({ members: [me] })).status, 201, 'the limit is per user')
  })

  t.test('GET /me/rooms: every kind, unread and lastMessage after sends and reads, newest first', async (t) => {
    const s = target()
    const [ann, bob] = [uniq('ann'), uniq('bob')]
    const a = await as(s, ann)
    const b = await as(s, bob)
    const conv = (await a.post({ members: [bob] })).body!.room as string
    const priv = uniq('priv')
    await admin(s, 'PUT', `/admin/rooms/${priv}`, { visibility: 'private' })
    await admin(s, 'PUT', `/admin/rooms/${priv}/members/${ann}`)
    const guild = uniq('guild')
    await admin(s, 'PUT', `/admin/guilds/${guild}/members/${ann}`)
    const pub = uniq('pub')
    await admin(s, 'PUT', `/admin/rooms/${pub}`, { visibility: 'public' })
    const notMine = uniq('pub')
    await admin(s, 'PUT', `/admin/rooms/${notMine}`, { visibility: 'public' })

    const wsA = await a.ws()
    const wsB = await b.ws()
    const join = async (c: Client, room: string) => {
      c.send({ type: 'join', room })
      return c.take(is('welcome', { room }))
    }
    const say = async (c: Client, room: string, id: string, text: string) => {
      c.send({ type: 'send', room, id, text })
      return c.take(is('ack', { room, id }))
    }
    await join(wsA, pub)
    await say(wsA, pub, 'p1', 'in public')
    wsA.send({ type: 'read', room: pub, seq: 1 })
    await wsA.take(is('read', { room: pub, userId: ann }))
    await join(wsA, priv)
    await say(wsA, priv, 'v1', 'private one')
    await join(wsA, `GUILD#${guild}`)
    await say(wsA, `GUILD#${guild}`, 'g1', 'guild one')
    await join(wsB, conv)
    await say(wsB, conv, 'c1', 'hello ann')
    const last = await say(wsB, conv, 'c2', 'are you there')

    const listed = await a.rooms()
    t.equal(listed.status, 200)
    t.notOk('nextCursor' in listed.body, 'one page')
    t.same(
      listed.body.rooms.map((r) => [r.room, r.kind, r.seq, r.lastRead, r.unread]),
      [
        [conv, 'conversation', 2, 0, 2],
        [`GUILD#${guild}`, 'guild', 1, 0, 1],
        [priv, 'private', 1, 0, 1],
        [pub, 'public', 1, 1, 0],
      ],
      'newest activity first; the public room without a marker is not listed',
    )
    t.same(listed.body.rooms[0]!.members, [ann, bob].sort())
    t.same(listed.body.rooms[0]!.lastMessage, {
      id: last.messageId,
      seq: 2,
      roomId: conv,
      senderId: bob,
      text: 'are you there',
      ts: listed.body.rooms[0]!.lastMessage!.ts,
    })
    t.notOk('members' in listed.body.rooms[1]!)

    await join(wsA, conv)
    wsA.send({ type: 'read', room: conv, seq: 2 })
    await wsA.take(is('read', { room: conv, userId: ann }))
    const after = await a.rooms()
    t.match(after.body.rooms[0], { room: conv, lastRead: 2, unread: 0 })
    const bobs = await b.rooms()
    t.same(
      bobs.body.rooms.map((r) => [r.room, r.kind, r.seq, r.lastRead, r.unread]),
      [[conv, 'conversation', 2, 0, 2]],
      "bob's own list: unread counts from his own marker (sending moves no marker)",
    )
    await wsA.close()
    await wsB.close()
  })

  t.test('GET /me/rooms paging: more than a page, each room exactly once, in order; bad queries', async (t) => {
    const s = target()
    const me = uniq('pager')
    const u = await as(s, me)
    const made: string[] = []
    for (let i = 0; i < 7; i++) {
      const room = uniq('pg')
      await admin(s, 'PUT', `/admin/rooms/${room}`, { visibility: 'private' })
      await admin(s, 'PUT', `/admin/rooms/${room}/members/${me}`)
      made.push(room)
    }
    const ws = await u.ws()
    for (const room of made.slice(0, 4)) {
      ws.send({ type: 'join', room })
      await ws.take(is('welcome', { room }))
      ws.send({ type: 'send', room, id: 'x', text: 'x' })
      await ws.take(is('ack', { room }))
    }
    await ws.close()
    const pages = await allPages(u, 3)
    t.equal(pages.length, 3)
    t.same(
      pages.map((p) => p.length),
      [3, 3, 1],
    )
    const order = pages.flat().map((r) => r.room)
    // Two rooms' messages may share a millisecond: then the room id decides (the rule), so the
    // expected order is computed from the listed timestamps, and they must follow the sends.
    const busy = pages.flat().slice(0, 4)
    t.same(busy.map((r) => r.room).sort(), [...made.slice(0, 4)].sort(), 'the rooms with messages first')
    const newestFirst = [...busy].sort((a, b) => tsOf(b) - tsOf(a) || (a.room < b.room ? -1 : 1))
    t.same(
      order.slice(0, 4),
      newestFirst.map((r) => r.room),
      'newest first, ties by room id',
    )
    const sentAt = made.slice(0, 4).map((room) => tsOf(busy.find((r) => r.room === room)))
    t.same(
      sentAt,
      [...sentAt].sort((a, b) => a - b),
      'each room last written after the one before',
    )
    t.same(order.slice(4), [...made.slice(4)].sort(), 'then the quiet ones, by id')
    t.same(
      (await allPages(u, 100)).flat().map((r) => r.room),
      order,
      'the same order in one page',
    )
    for (const q of ['?limit=0', '?limit=101', '?limit=two', '?cursor=not!a!cursor', '?cursor=Zm9v']) {
      const res = await u.rooms(q)
      t.equal(res.status, 400, q)
      t.equal(res.body.error, 'invalid_request')
    }
    t.equal((await http(s, 'GET', '/me/rooms')).status, 401)
  })

  t.test('the rooms frame, on /ws and on a room socket', async (t) => {
    const s = target()
    const [ann, bob] = [uniq('ann'), uniq('bob')]
    const a = await as(s, ann)
    const conv = (await a.post({ members: [bob] })).body!.room as string
    const ws = await a.ws()
    ws.send({ type: 'rooms' })
    const frame = await ws.take(is('rooms'))
    t.match(frame, {
      type: 'rooms',
      rooms: [{ room: conv, kind: 'conversation', seq: 0, unread: 0, lastMessage: null }],
    })
    t.notOk('nextCursor' in frame)
    await ws.close()
    const bound = await Client.open(`${s.ws}/ws/rooms/${conv}`, { token: a.token })
    await bound.take(is('welcome'))
    bound.send({ type: 'rooms', limit: 1 })
    t.match(await bound.take(is('rooms')), { rooms: [{ room: conv }] })
    bound.send({ type: 'rooms', cursor: '%%%' })
    t.match(await bound.take(is('error')), { code: 'invalid_frame', message: /cursor/ })
    await bound.close()
  })

  t.test('the dm frame: joins the conversation, ack and message carry its room; resent, stored once', async (t) => {
    const s = target()
    const [ann, bob] = [uniq('ann'), uniq('bob')]
    const a = await as(s, ann)
    const b = await as(s, bob)
    const wsB = await b.ws()
    const ws = await a.ws()
    ws.send({ type: 'dm', to: bob, id: 'd1', text: 'hi bob' })
    const welcome = await ws.take(is('welcome'))
    const room = welcome.room as string
    const message = await ws.take(is('message'))
    const ack = await ws.take(is('ack'))
    t.match(message, { room, message: { seq: 1, senderId: ann, text: 'hi bob' } })
    t.match(ack, { room, id: 'd1', seq: 1 })
    t.same(
      (await a.post({ members: [bob] })).body,
      { room, members: [ann, bob].sort() },
      'the same room as POST /conversations',
    )
    // Bob finds it and answers by dm: the same room, and ann (in it) gets his message live.
    wsB.send({ type: 'rooms' })
    t.match(await wsB.take(is('rooms')), { rooms: [{ room, kind: 'conversation', unread: 1 }] })
    wsB.send({ type: 'dm', to: ann, id: 'r1', text: 'hi ann' })
    t.match(await wsB.take(is('ack')), { room, seq: 2 })
    t.match(await ws.take(is('message')), { room, message: { seq: 2, senderId: bob } })
    // A resend after a reconnect: the original ack, nothing stored or made again.
    await ws.close()
    const again = await a.ws()
    again.send({ type: 'dm', to: bob, id: 'd1', text: 'hi bob' })
    t.same(await again.take(is('ack')), ack)
    const history = await http(s, 'GET', `/rooms/${room}/messages`, { token: a.token })
    t.equal((history.body!.messages as Frame[]).length, 2, 'stored once')
    again.send({ type: 'dm', to: ann, id: 'self', text: 'me' })
    t.match(await again.take(is('error')), { code: 'invalid_frame', ref: 'self' })
    again.send({ type: 'dm', id: 'no-to', text: 'x' })
    t.match(await again.take(is('error')), { code: 'invalid_frame', ref: 'no-to' })
    await again.close()
    await wsB.close()
  })
}
