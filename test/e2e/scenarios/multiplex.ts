/** docs/protocol.md "Frames", `/ws`: rooms joined and left by frames, `room` on every frame. */
import type { Test } from 'tap'
import { Client, is } from '../../support/client.ts'
import type { Target } from '../../support/server.ts'
import { admin, joinRoom, say, uniq } from './util.ts'

export function multiplexScenarios(t: Test, target: () => Target): void {
  t.test('/ws: join, send, leave across several rooms', async (t) => {
    const s = target()
    const [r1, r2] = [uniq('mx'), uniq('mx')]
    const c = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'alice' }) })
    c.send({ type: 'send', id: 'early', text: 'x', room: r1 })
    t.match(await c.take(is('error')), { code: 'not_joined', room: r1, ref: 'early' })
    c.send({ type: 'send', id: 'noroom', text: 'x' })
    t.match(await c.take(is('error')), { code: 'invalid_frame', ref: 'noroom' })
    c.send({ type: 'join', room: r1 })
    t.match(await c.take(is('welcome')), { room: r1, user: 'alice', seq: 0, presence: ['alice'] })
    c.send({ type: 'join', room: r2 })
    t.match(await c.take(is('welcome')), { room: r2 })
    c.send({ type: 'join', room: r1 })
    t.match(await c.take(is('welcome')), { room: r1 }, 'joining again answers welcome again')
    t.match(await say(c, 'a', 'in r1', r1), { room: r1, seq: 1 })
    t.match(await say(c, 'b', 'in r2', r2), { room: r2, seq: 1 })
    const { c: bob } = await joinRoom(s, r1, 'bob')
    t.match(await c.take(is('presence', { userId: 'bob' })), { room: r1 })
    c.send({ type: 'typing', active: true, room: r1 })
    t.same(await bob.take(is('typing')), { type: 'typing', room: r1, userId: 'alice', active: true })
    c.send({ type: 'leave', room: r1 })
    t.same(await c.take(is('left')), { type: 'left', room: r1 })
    t.match(await bob.take(is('presence', { userId: 'alice' })), { online: false })
    c.send({ type: 'send', id: 'c', text: 'gone', room: r1 })
    t.match(await c.take(is('error')), { code: 'not_joined', room: r1 })
    t.match(await say(c, 'd', 'still in r2', r2), { room: r2, seq: 2 })
    c.send({ type: 'join', room: 'bad.room' })
    t.match(await c.take(is('error')), { code: 'invalid_frame', room: 'bad.room' })
    c.send({ type: 'join', room: r1, since: 0 })
    t.match(await c.take(is('welcome')), { room: r1, recovered: true })
    t.match(await c.take(is('message')), { room: r1, message: { seq: 1, text: 'in r1' } })
    await Promise.all([c.close(), bob.close()])
  })

  t.test('/ws: forbidden join; revoked membership sends left with reason revoked and keeps the socket', async (t) => {
    const s = target()
    const guild = uniq('mg')
    const room = `GUILD#${guild}`
    const lobby = uniq('lobby')
    const c = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'erin' }) })
    c.send({ type: 'join', room })
    t.match(await c.take(is('error')), { code: 'forbidden', room })
    await admin(s, 'PUT', `/admin/guilds/${guild}/members/erin`)
    c.send({ type: 'join', room })
    t.match(await c.take(is('welcome')), { room })
    c.send({ type: 'join', room: lobby })
    await c.take(is('welcome', { room: lobby }))
    await admin(s, 'DELETE', `/admin/guilds/${guild}/members/erin`)
    t.same(await c.take(is('left')), { type: 'left', room, reason: 'revoked' })
    c.send({ type: 'send', id: 'x', text: 'x', room })
    t.match(await c.take(is('error')), { code: 'not_joined', room })
    t.match(await say(c, 'y', 'lobby still works', lobby), { room: lobby })
    await c.close()
  })
}
