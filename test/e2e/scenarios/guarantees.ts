/** docs/protocol.md "Guarantees": idempotent send, recovery with `since`, typing, presence by user. */
import type { Test } from 'tap'
import { is, type Frame } from '../../support/client.ts'
import type { Target } from '../../support/server.ts'
import { http, joinRoom, say, uniq } from './util.ts'

const seqOf = (f: Frame) => (f.message as { seq: number }).seq

export function guaranteeScenarios(t: Test, target: () => Target): void {
  t.test('idempotent send: the same id is answered with the original ack and stored once', async (t) => {
    const s = target()
    const room = uniq('idem')
    const { c: alice } = await joinRoom(s, room, 'alice')
    const { c: bob } = await joinRoom(s, room, 'bob')
    const first = await say(alice, 'dup', 'once')
    const again = await say(alice, 'dup', 'once (resent)')
    t.same(again, first, 'the original ack')
    const third = await say(alice, 'next', 'after')
    t.equal(third.seq, 2, 'no seq was used by the repeat')
    t.same((await bob.take(is('message'))).message, { ...((await alice.take(is('message'))).message as object) })
    t.equal(seqOf(await bob.take(is('message'))), 2, 'bob saw the message once, then the next one')
    const { c: other } = await joinRoom(s, room, 'carol')
    t.equal((await say(other, 'dup', 'same id, other user')).seq, 3, 'keys are per user')
    const page = await http(s, 'GET', `/rooms/${room}/messages`, { token: await s.token() })
    t.same(
      (page.body!.messages as { seq: number }[]).map((m) => m.seq),
      [1, 2, 3],
    )
    await Promise.all([alice.close(), bob.close(), other.close()])
  })

  t.test('recovery: since=N replays every later message in order after welcome, then live ones', async (t) => {
    const s = target()
    const room = uniq('rec')
    const { c: alice } = await joinRoom(s, room, 'alice')
    for (let i = 1; i <= 5; i++) await say(alice, `m${i}`, `${i}`)
    const { c: bob, welcome } = await joinRoom(s, room, 'bob', '?since=2')
    t.match(welcome, { seq: 5, recovered: true })
    const replay = [await bob.take(is('message')), await bob.take(is('message')), await bob.take(is('message'))]
    t.same(replay.map(seqOf), [3, 4, 5])
    const welcomeAt = bob.frames.findIndex((f) => f.type === 'welcome')
    t.ok(bob.frames.findIndex((f) => f.type === 'message') > welcomeAt, 'replay comes after welcome')
    await say(alice, 'm6', '6')
    t.equal(seqOf(await bob.take(is('message'))), 6)
    const seqs = bob.seen(is('message')).map(seqOf)
    t.same(seqs, [3, 4, 5, 6], 'no gap, no duplicate')
    const { c: fresh, welcome: w0 } = await joinRoom(s, room, 'carol', '?since=6')
    t.match(w0, { seq: 6, recovered: true })
    await Promise.all([alice.close(), bob.close(), fresh.close()])
  })

  t.test('typing: broadcast to the others, never echoed, throttled, stopped at once', async (t) => {
    const s = target()
    const room = uniq('typ')
    const { c: alice } = await joinRoom(s, room, 'alice')
    const { c: bob } = await joinRoom(s, room, 'bob')
    alice.send({ type: 'typing', active: true })
    t.same(await bob.take(is('typing')), { type: 'typing', room, userId: 'alice', active: true })
    const { welcome } = await joinRoom(s, room, 'carol')
    t.same(welcome.typing, ['alice'], 'welcome lists who is typing')
    alice.send({ type: 'typing', active: true })
    alice.send({ type: 'typing', active: false })
    t.same(await bob.take(is('typing')), { type: 'typing', room, userId: 'alice', active: false })
    t.equal(bob.seen(is('typing', { active: true })).length, 1, 'the refresh within the throttle was not broadcast')
    await say(alice, 'barrier', 'b')
    await alice.take(is('message'))
    t.equal(alice.seen(is('typing')).length, 0, 'never echoed to the sender')
    await Promise.all([alice.close(), bob.close()])
  })

  t.test('typing: an active:true that is not refreshed expires with active:false', async (t) => {
    const s = target()
    const room = uniq('typx')
    const { c: alice } = await joinRoom(s, room, 'alice')
    const { c: bob } = await joinRoom(s, room, 'bob')
    alice.send({ type: 'typing', active: true })
    await bob.take(is('typing', { active: true }))
    const stop = await bob.take(is('typing', { active: false }), s.limits.typingTimeoutMs + 10_000)
    t.same(stop, { type: 'typing', room, userId: 'alice', active: false })
    await Promise.all([alice.close(), bob.close()])
  })

  t.test('presence counts users, not sockets', async (t) => {
    const s = target()
    const room = uniq('pres')
    const { c: bob } = await joinRoom(s, room, 'bob')
    const { c: tab1 } = await joinRoom(s, room, 'alice')
    t.same(await bob.take(is('presence')), { type: 'presence', room, userId: 'alice', online: true })
    const { c: tab2, welcome } = await joinRoom(s, room, 'alice')
    t.same([...(welcome.presence as string[])].sort(), ['alice', 'bob'])
    await tab2.close()
    // Carol's arrival is a barrier: presence frames leave the room in order.
    const { c: carol } = await joinRoom(s, room, 'carol')
    t.same(
      await bob.take(is('presence')),
      { type: 'presence', room, userId: 'carol', online: true },
      'no presence for the second tab coming or going',
    )
    await tab1.close()
    t.same(await bob.take(is('presence')), { type: 'presence', room, userId: 'alice', online: false })
    await Promise.all([bob.close(), carol.close()])
  })
}
