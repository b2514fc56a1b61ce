/**
 * Per-user and per-connection caps over real sockets (issue 8 items 2-4): connections per user
 * refused with 429 before the upgrade, join refusals on /ws (rooms per connection, rooms
 * created per minute, join rate), and history reads that create no room record.
 */
import t, { type Test } from 'tap'
import { Client, is, refusal } from '../support/client.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { http, uniq } from './scenarios/util.ts'

async function server(t: Test, env: Record<string, string>): Promise<InProcess> {
  const s = await startInProcess({ env })
  t.teardown(() => s.stop())
  return s
}

const roomCount = async (s: InProcess) => (await s.gh.store.listRooms!()).length

t.test(
  'connections per user: the one past LIMIT_MAX_CONNECTIONS_PER_USER is refused with 429 before upgrading',
  async (t) => {
    const s = await server(t, { LIMIT_MAX_CONNECTIONS_PER_USER: '2' })
    const token = await s.token({ sub: 'alice' })
    const one = await Client.open(`${s.ws}/ws`, { token })
    const two = await Client.open(`${s.ws}/ws/rooms/${uniq('cap')}`, { token })
    await two.take(is('welcome'))
    const rooms = await roomCount(s)
    const onRoom = await refusal(`${s.ws}/ws/rooms/${uniq('cap')}`, { token })
    t.same([onRoom.status, onRoom.body.error], [429, 'rate_limited'])
    t.match(onRoom.body.message, /connections/)
    const onMux = await refusal(`${s.ws}/ws`, { token })
    t.same([onMux.status, onMux.body.error], [429, 'rate_limited'])
    t.equal(await roomCount(s), rooms, 'a refused upgrade created no room')
    const bob = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'bob' }) })
    await bob.sync()
    t.equal(bob.ws.readyState, bob.ws.OPEN, 'the cap is per user: another user connects and is answered')
    await one.close()
    // The server hears of the close a moment after the client: retry, each try a round trip.
    let again: Client | undefined
    for (let i = 0; i < 100 && !again; i++) again = await Client.open(`${s.ws}/ws`, { token }).catch(() => undefined)
    t.ok(again, 'a closed connection frees its slot')
    await Promise.all([again?.close(), two.close(), bob.close()])
  },
)

t.test(
  '/ws join refusals: rooms per connection (limit_exceeded), rooms created per minute and join rate (rate_limited)',
  async (t) => {
    const s = await server(t, {
      LIMIT_MAX_ROOMS_PER_CONNECTION: '2',
      LIMIT_ROOM_CREATES_PER_MINUTE: '3',
      LIMIT_JOIN_BURST: '7',
      LIMIT_JOINS_PER_SECOND: '1',
    })
    const [r1, r2, r3, r4] = [uniq('j'), uniq('j'), uniq('j'), uniq('j')]
    const c = await Client.open(`${s.ws}/ws`, { token: await s.token({ sub: 'alice' }) })
    c.send({ type: 'join', room: r1 })
    c.send({ type: 'join', room: r2 })
    c.send({ type: 'join', room: r3 })
    t.match(await c.take(is('welcome', { room: r2 })), { room: r2 })
    t.match(await c.take(is('error')), { code: 'limit_exceeded', room: r3 })
    c.send({ type: 'leave', room: r1 })
    await c.take(is('left', { room: r1 }))
    c.send({ type: 'join', room: r3 })
    t.match(await c.take(is('welcome', { room: r3 })), { room: r3 }, 'after a leave there is room for one more')
    c.send({ type: 'leave', room: r3 })
    await c.take(is('left', { room: r3 }))
    c.send({ type: 'join', room: r4 })
    t.match(
      await c.take(is('error')),
      { code: 'rate_limited', room: r4, retryAfterMs: Number },
      'a fourth room created within the minute',
    )
    t.equal(await roomCount(s), 3, 'three room records')
    const upgrade = await refusal(`${s.ws}/ws/rooms/${uniq('j')}`, { token: await s.token({ sub: 'alice' }) })
    t.same([upgrade.status, upgrade.body.error], [429, 'rate_limited'], 'an upgrade that would create a fourth: 429')
    t.match(upgrade.body, { retryAfterMs: Number }, 'with when to retry, as on the frame')
    // Seven join/leave frames so far used the join burst: the next ones are refused.
    for (let i = 0; i < 10; i++) c.send({ type: 'join', room: r1 })
    t.match(await c.take(is('error', { code: 'rate_limited', room: r1 })), { retryAfterMs: Number, message: /join/ })
    await c.sync()
    t.equal(c.ws.readyState, c.ws.OPEN, 'none of these refusals closes the connection')
    await c.close()
  },
)

t.test('reads never create rooms: 100 history reads of new ids store nothing; entering does', async (t) => {
  const s = await server(t, {})
  const token = await s.token({ sub: 'alice' })
  const before = await roomCount(s)
  for (let i = 0; i < 100; i++) {
    const res = await http(s, 'GET', `/rooms/${uniq('ghost')}/messages`, { token })
    if (res.status !== 200) t.fail(`GET answered ${res.status}`)
    t.same(res.body, { messages: [], more: false })
  }
  t.equal(await roomCount(s), before, 'no room record for any of them')
  t.same(s.gh.host.activeRooms(), [], 'and no actor')
  const room = uniq('real')
  const c = await Client.open(`${s.ws}/ws/rooms/${room}`, { token })
  await c.take(is('welcome'))
  t.equal(await roomCount(s), before + 1, 'entering creates the room')
  await c.close()
})
