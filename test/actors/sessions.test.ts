// Multiplexed connections, token expiry, revocation, slow consumers.
import t from 'tap'
import { createWorld } from '../../actors/testing.ts'
import { matchAll } from '../support/match-all.ts'

t.test('/ws: join many rooms, frames carry room, leave answers left', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann')
  ann.write({ type: 'send', id: 'k0', text: 'x', room: 'a' })
  ann.write({ type: 'send', id: 'k0', text: 'x' })
  await world.settle()
  matchAll(t, ann.frames('error'), [
    { code: 'not_joined', room: 'a', ref: 'k0' },
    { code: 'invalid_frame', ref: 'k0' },
  ])
  ann.clear()
  ann.write({ type: 'join', room: 'a' })
  ann.write({ type: 'join', room: 'b' })
  ann.write({ type: 'send', id: 'k1', text: 'to a', room: 'a' })
  ann.write({ type: 'send', id: 'k1', text: 'to b', room: 'b' })
  await world.settle()
  matchAll(t, ann.frames('welcome'), [{ room: 'a' }, { room: 'b' }])
  matchAll(
    t,
    ann.frames('ack'),
    [
      { room: 'a', id: 'k1', seq: 1 },
      { room: 'b', id: 'k1', seq: 1 },
    ],
    'the idempotency key is per room',
  )
  ann.write({ type: 'join', room: 'a' })
  await world.settle()
  t.equal(ann.frames('welcome').length, 3, 'joining again answers welcome again')
  ann.write({ type: 'leave', room: 'a' })
  ann.write({ type: 'send', id: 'k2', text: 'x', room: 'a' })
  await world.settle()
  t.match(ann.last('left'), { room: 'a' })
  t.match(ann.last('error'), { code: 'not_joined', room: 'a' })
  t.same(
    world.host.activeRooms().find((r) => r.room === 'a'),
    { room: 'a', connections: 0, users: 0 },
  )
})

t.test('/ws: join refusals name the room and keep the connection', async (t) => {
  const world = await createWorld({ autoCreateRooms: false })
  await world.admin.putRoom('secret', 'private')
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'missing' })
  ann.write({ type: 'join', room: 'secret' })
  ann.write({ type: 'join', room: 'GUILD#g' })
  ann.write({ type: 'join', room: 'bad id!' })
  await world.settle()
  matchAll(t, ann.frames('error'), [
    { code: 'not_found', room: 'missing' },
    { code: 'forbidden', room: 'secret' },
    { code: 'forbidden', room: 'GUILD#g' },
    { code: 'invalid_frame', room: 'bad id!', message: 'not a valid room id' },
  ])
  t.equal(ann.closedWith, undefined)
})

t.test('a token that expires during the session closes with 4401', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby', expiresAt: world.clock.now() + 5000 })
  await world.advance(4999)
  t.equal(ann.closedWith, undefined)
  await world.advance(1)
  t.match(ann.closedWith, { code: 4401 })
  t.same(world.host.activeRooms(), [{ room: 'lobby', connections: 0, users: 0 }])
})

t.test('guild member revoked: 4403 on a room socket, left on /ws, others stay', async (t) => {
  const world = await createWorld()
  await world.admin.putGuildMember('g', 'ann')
  await world.admin.putGuildMember('g', 'bob')
  const room = await world.connect('ann', { room: 'GUILD#g' })
  const mux = await world.connect('ann')
  mux.write({ type: 'join', room: 'GUILD#g' })
  mux.write({ type: 'join', room: 'lobby' })
  const bob = await world.connect('bob', { room: 'GUILD#g' })
  await world.settle()
  t.ok(await world.admin.deleteGuildMember('g', 'ann'))
  await world.settle()
  t.match(room.closedWith, { code: 4403 })
  t.match(mux.last('left'), { room: 'GUILD#g', reason: 'revoked' })
  t.equal(mux.closedWith, undefined, '/ws stays open for its other rooms')
  mux.write({ type: 'send', id: 'k', text: 'x', room: 'lobby' })
  mux.write({ type: 'send', id: 'k', text: 'x', room: 'GUILD#g' })
  await world.settle()
  matchAll(t, mux.frames('ack'), [{ room: 'lobby' }])
  t.match(mux.last('error'), { code: 'not_joined', room: 'GUILD#g' })
  t.match(bob.last('presence'), { userId: 'ann', online: false })
  t.equal(bob.closedWith, undefined)
  mux.write({ type: 'join', room: 'GUILD#g' })
  await world.settle()
  t.match(mux.last('error'), { code: 'forbidden', room: 'GUILD#g' })
  t.notOk(await world.admin.deleteGuildMember('g', 'ann'), 'deleting again is a no-op')
})

t.test('a join whose access check raced a revocation is refused', async (t) => {
  const world = await createWorld()
  await world.admin.putGuildMember('g', 'ann')
  const mux = await world.connect('ann')
  const release = world.faults.stall('isGuildMember')
  mux.write({ type: 'join', room: 'GUILD#g' })
  await world.settle()
  world.host.revoke('GUILD#g', 'ann')
  release()
  await world.settle()
  matchAll(t, mux.frames(), [{ type: 'error', code: 'forbidden', room: 'GUILD#g' }])
})

t.test('a room turned private keeps only its members', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'club' })
  const bob = await world.connect('bob', { room: 'club' })
  await world.admin.putRoomMember('club', 'ann')
  t.notOk(await world.admin.putRoom('club', 'private'), 'updated, not created')
  await world.settle()
  t.equal(ann.closedWith, undefined)
  t.match(bob.closedWith, { code: 4403 })
  await world.admin.deleteRoomMember('club', 'ann')
  await world.settle()
  t.match(ann.closedWith, { code: 4403 })
})

t.test('slow consumers lose typing and presence first, then are closed', async (t) => {
  const world = await createWorld({ limits: { softOutboundBytes: 1000, hardOutboundBytes: 5000 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  const slow = await world.connect('bob', { room: 'lobby' })
  slow.buffered = 2000
  ann.write({ type: 'typing', active: true })
  await world.connect('cyd', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'x' })
  await world.settle()
  t.equal(slow.frames('typing').length, 0, 'typing dropped')
  t.equal(slow.frames('presence').length, 0, 'presence dropped')
  t.equal(slow.frames('message').length, 1, 'messages still delivered')
  slow.buffered = 6000
  ann.write({ type: 'send', id: 'k2', text: 'x' })
  await world.settle()
  t.ok(slow.terminated, 'cut at once, without a close handshake queued behind its backlog')
  await world.advance(world.host.limits.presenceGraceMs)
  t.match(ann.last('presence'), { userId: 'bob', online: false })
  slow.buffered = 0
  const back = await world.connect('bob', { room: 'lobby', since: 1 })
  t.same(
    back.frames('message').map((m) => m.message.seq),
    [2],
    'recovers with since',
  )
})

t.test('frames sent right after connecting wait for the welcome', async (t) => {
  const world = await createWorld()
  const release = world.faults.stall('loadRoom')
  const ann = await world.connect('ann', { room: 'lobby' })
  // The client does not wait for its welcome: these frames arrive while the room is loading.
  ann.write({ type: 'send', id: 'k1', text: 'early' })
  ann.write({ type: 'ping' })
  await world.settle()
  t.same(ann.frames(), [], 'nothing answered before the welcome')
  release()
  await world.settle()
  t.same(
    ann.frames().map((f) => f.type),
    ['welcome', 'pong', 'message', 'ack'],
    'the welcome first; then the ping is answered, and the send once stored',
  )
  t.match(ann.frames()[0], { type: 'welcome', room: 'lobby', seq: 0 })
  matchAll(t, ann.frames('ack'), [{ id: 'k1', seq: 1 }], 'the early send is stored, not refused as not joined')
})

t.test('sessions expiring at the same instant share one timer and each closes with 4401', async (t) => {
  const world = await createWorld()
  const at = world.clock.now() + 1000
  const clients = await Promise.all(['a', 'b', 'c'].map((u) => world.connect(u, { room: 'lobby', expiresAt: at })))
  await clients[0]!.disconnect()
  await world.advance(1000)
  t.same(
    clients.map((c) => c.closedWith?.code),
    [1000, 4401, 4401],
  )
})

t.test('a room socket: refusals carry its room; a frame naming another room is refused', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.clear()
  ann.write('nope')
  ann.write({ type: 'send', id: 'x'.repeat(65), text: 'hi' })
  ann.write({ type: 'send', id: 'k1', text: 'hi', room: 'other' })
  ann.write({ type: 'send', id: 'k2', text: 'hi', room: 'lobby' })
  await world.settle()
  matchAll(t, ann.frames('error'), [
    { code: 'invalid_frame', room: 'lobby' },
    { code: 'invalid_frame', room: 'lobby', ref: 'x'.repeat(65) },
    { code: 'invalid_frame', room: 'lobby', ref: 'k1' },
  ])
  matchAll(t, ann.frames('ack'), [{ id: 'k2', seq: 1 }], 'only the frame for this room was stored')
})
