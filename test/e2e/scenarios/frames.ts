/** docs/protocol.md "Frames": every frame on `/ws/rooms/:roomId`, and every refusal code. */
import type { Test } from 'tap'
import { is } from '../../support/client.ts'
import type { Target } from '../../support/server.ts'
import { joinRoom, say, uniq } from './util.ts'

export function frameScenarios(t: Test, target: () => Target): void {
  t.test('welcome, then send → ack (to the sender) and message (to everyone, sender included)', async (t) => {
    const s = target()
    const room = uniq('chat')
    const { c: alice, welcome } = await joinRoom(s, room, 'alice')
    t.same(welcome, { type: 'welcome', room, user: 'alice', seq: 0, lastRead: 0, presence: ['alice'], typing: [] })
    const { c: bob, welcome: w2 } = await joinRoom(s, room, 'bob')
    t.same([...(w2.presence as string[])].sort(), ['alice', 'bob'])
    t.match(await alice.take(is('presence', { userId: 'bob' })), { room, online: true })

    alice.send({ type: 'send', id: 'c-1', text: 'héllo 👋' })
    const ack = await alice.take(is('ack'))
    t.match(ack, { type: 'ack', room, id: 'c-1', seq: 1, messageId: /^[A-Za-z0-9_-]{1,64}$/ })
    const expected = {
      type: 'message',
      room,
      message: { id: ack.messageId, seq: 1, roomId: room, senderId: 'alice', text: 'héllo 👋', ts: Number },
    }
    t.match(await alice.take(is('message')), expected)
    const got = await bob.take(is('message'))
    t.match(got, expected)
    t.same(Object.keys(got.message as object).sort(), ['id', 'roomId', 'senderId', 'seq', 'text', 'ts'])
    t.equal(bob.seen(is('ack')).length, 0, 'acks go to the sender only')

    const ack2 = await say(alice, 'c-2', 'again')
    t.equal(ack2.seq, 2)
    const m2 = await bob.take(is('message'))
    t.ok((m2.message as { ts: number }).ts > (got.message as { ts: number }).ts, 'ts strictly increases')
    await Promise.all([alice.close(), bob.close()])
  })

  t.test('ping → pong', async (t) => {
    const { c } = await joinRoom(target(), uniq('ping'), 'alice')
    c.send({ type: 'ping' })
    t.same(await c.take(is('pong')), { type: 'pong' })
    await c.close()
  })

  t.test('refused frames: invalid_frame, too_long; the connection stays open', async (t) => {
    const s = target()
    const room = uniq('bad')
    const { c } = await joinRoom(s, room, 'alice')
    c.send('not json')
    t.match(await c.take(is('error')), { code: 'invalid_frame', message: String })
    c.send({ type: 'dance' })
    t.match(await c.take(is('error')), { code: 'invalid_frame' })
    c.send({ type: 'send', id: 'x1' })
    t.match(await c.take(is('error')), { code: 'invalid_frame', ref: 'x1' })
    c.send({ type: 'send', id: 'i'.repeat(65), text: 'hi' })
    t.match(await c.take(is('error')), { code: 'invalid_frame' })
    c.send({ type: 'read', seq: -1 })
    t.match(await c.take(is('error')), { code: 'invalid_frame' })
    c.send({ type: 'join', room })
    t.match(await c.take(is('error')), { code: 'invalid_frame' }, 'join is for /ws only')
    c.send({ type: 'send', id: 'long', text: '😀'.repeat(s.limits.maxTextLength + 1) })
    t.match(await c.take(is('error')), { code: 'too_long', ref: 'long', room })
    const ok = await say(c, 'fits', '😀'.repeat(s.limits.maxTextLength))
    t.equal(ok.seq, 1, 'text at the limit (code points, not UTF-16 units) is taken; refused frames stored nothing')
    await c.close()
  })

  t.test('rate_limited with retryAfterMs; a refusal that does not count toward 1008', async (t) => {
    const s = target()
    const { c } = await joinRoom(s, uniq('rate'), 'alice')
    const n = s.limits.sendBurst + 5
    for (let i = 0; i < n; i++) c.send({ type: 'send', id: `r${i}`, text: `${i}` })
    const answers = []
    for (let i = 0; i < n; i++)
      answers.push(await c.take((f) => f.type === 'ack' || (f.type === 'error' && f.code === 'rate_limited')))
    const limited = answers.filter((f) => f.type === 'error')
    t.ok(limited.length >= 1, 'some sends were rate limited')
    t.ok(answers.filter((f) => f.type === 'ack').length >= s.limits.sendBurst, 'the burst went through')
    t.match(limited[0], { code: 'rate_limited', retryAfterMs: Number, ref: String })
    t.ok((limited[0]!.retryAfterMs as number) > 0)
    await c.close()
  })

  t.test('read markers move forward only, are broadcast, and show in welcome.lastRead', async (t) => {
    const s = target()
    const room = uniq('read')
    const { c: alice } = await joinRoom(s, room, 'alice')
    for (let i = 1; i <= 3; i++) await say(alice, `m${i}`, `${i}`)
    const { c: bob } = await joinRoom(s, room, 'bob')
    bob.send({ type: 'read', seq: 2 })
    t.same(await alice.take(is('read')), { type: 'read', room, userId: 'bob', seq: 2 })
    bob.send({ type: 'read', seq: 1 })
    bob.send({ type: 'read', seq: 99 })
    t.same(
      await alice.take(is('read')),
      { type: 'read', room, userId: 'bob', seq: 3 },
      'past the latest counts as the latest; backwards is ignored',
    )
    await bob.close()
    const again = await joinRoom(s, room, 'bob')
    t.equal(again.welcome.lastRead, 3)
    t.equal(again.welcome.seq, 3)
    await Promise.all([alice.close(), again.c.close()])
  })

  t.test('history frame: older pages, newest first page, more flag', async (t) => {
    const s = target()
    const room = uniq('hframe')
    const { c } = await joinRoom(s, room, 'alice')
    for (let i = 1; i <= 5; i++) await say(c, `h${i}`, `${i}`)
    c.send({ type: 'history', limit: 2 })
    const h1 = await c.take(is('history'))
    t.same(
      (h1.messages as { seq: number }[]).map((m) => m.seq),
      [4, 5],
    )
    t.match(h1, { room, more: true })
    c.send({ type: 'history', before: 4, limit: 10 })
    const h2 = await c.take(is('history'))
    t.same(
      (h2.messages as { seq: number }[]).map((m) => m.seq),
      [1, 2, 3],
    )
    t.equal(h2.more, false)
    c.send({ type: 'history', limit: 101 })
    t.match(await c.take(is('error')), { code: 'invalid_frame' })
    await c.close()
  })
}
