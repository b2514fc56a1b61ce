// Moves, session side: losing a room keeps the socket; the session enters the room again with
// `since`, delivers every message once, in order, and resends unanswered sends by id.
import t from 'tap'
import type { ClusterRouter } from '../../actors/cluster/router.ts'
import type { RoomConnection } from '../../actors/room-connection.ts'
import type { ActorHost } from '../../actors/host.ts'
import type { Logger } from '../../actors/ports.ts'
import type { RoomHandle } from '../../actors/room-handle.ts'
import { createWorld, type TestClient } from '../../actors/testing.ts'
import { matchAll } from '../support/match-all.ts'

/**
 * Every room is "remote", reached through a stub that enters the host's own actor: cutting
 * the stub's link does what a dead owner does to a gateway (its connections lose the room,
 * the owner forgets them, an answer on the way is lost).
 */
class LoopbackCluster implements ClusterRouter {
  readonly node = 'n1'
  host!: ActorHost
  private readonly live = new Map<number, { conn: RoomConnection; handle: RoomHandle }>()

  isLocal(): boolean {
    return false
  }
  remote(roomId: string): RoomHandle {
    return {
      roomId,
      enter: async (conn, since) => {
        const handle = await this.host.openLocal(roomId, conn, since)
        this.live.set(conn.id, { conn, handle })
      },
      frame: (connId, frame) => this.live.get(connId)?.handle.frame(connId, frame),
      leave: (connId) => {
        this.live.get(connId)?.handle.leave(connId)
        this.live.delete(connId)
      },
    }
  }
  post(): Promise<never> {
    return Promise.reject(new Error('posts are not part of these tests'))
  }
  markRead(): Promise<never> {
    return Promise.reject(new Error('read markers over HTTP are not part of these tests'))
  }
  claimed(): void {}
  announceRevoke(): void {}
  announceClose(): void {}

  /** The link to the owner is cut. */
  cut(reason: string): void {
    for (const [id, { conn, handle }] of this.live) {
      this.live.delete(id)
      handle.leave(id)
      conn.lost(reason)
    }
  }
}

function capture() {
  const lines: Array<{ event: string; fields: Record<string, unknown> }> = []
  const log = (event: string, fields: Record<string, unknown> = {}) => void lines.push({ event, fields })
  const logger: Logger = { info: log, warn: log, error: log }
  return { logger, of: (event: string) => lines.filter((l) => l.event === event).map((l) => l.fields) }
}

const seqs = (client: TestClient, room: string) =>
  client
    .frames('message')
    .filter((f) => f.room === room)
    .map((f) => f.message.seq as number)

t.test('/ws keeps its socket and its other rooms when one room is evicted or handed off', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'a' })
  ann.write({ type: 'join', room: 'b' })
  await world.settle()
  await world.evict('a')
  await world.handOff('b')
  t.equal(ann.closedWith, undefined, 'the socket stays open')
  ann.write({ type: 'send', id: 'k1', text: 'to a', room: 'a' })
  ann.write({ type: 'send', id: 'k1', text: 'to b', room: 'b' })
  await world.settle()
  matchAll(
    t,
    ann.frames('ack'),
    [
      { room: 'a', id: 'k1', seq: 1 },
      { room: 'b', id: 'k1', seq: 1 },
    ],
    'both rooms still work',
  )
  t.equal(ann.frames('welcome').length, 2, 'no second welcome')
  t.same(ann.frames('left'), [])
})

t.test('a room socket still closes when its room is evicted; a handed-off room keeps it', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'a' })
  const bob = await world.connect('bob', { room: 'b' })
  await world.evict('a')
  t.match(ann.closedWith, { code: 1001 })
  await world.handOff('b')
  t.equal(bob.closedWith, undefined)
  bob.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.settle()
  t.match(bob.last('ack'), { id: 'k1', seq: 1 })
})

t.test('a lost room is entered again with since: every message once, in order, no second welcome', async (t) => {
  const log = capture()
  const world = await createWorld({ logger: log.logger })
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  for (let i = 1; i <= 3; i++) bob.write({ type: 'send', id: `b${i}`, text: `m${i}` })
  await world.settle()
  // The room's next activation fails once: both sessions retry later, and meanwhile a new
  // client activates it and sends two messages they must not miss.
  world.faults.failNext(1, 'loadRoom')
  await world.handOff('lobby')
  t.equal(world.isActive('lobby'), false, 'the first re-entry failed')
  const cyd = await world.connect('cyd', { room: 'lobby' })
  for (let i = 4; i <= 5; i++) cyd.write({ type: 'send', id: `c${i}`, text: `m${i}` })
  await world.settle()
  await world.advance(5000)
  bob.write({ type: 'send', id: 'b6', text: 'm6' })
  await world.settle()
  for (const client of [ann, bob]) {
    t.equal(client.closedWith, undefined, `${client.userId} keeps the socket`)
    t.same(seqs(client, 'lobby'), [1, 2, 3, 4, 5, 6], `${client.userId} sees each message once, in order`)
    t.equal(client.frames('welcome').length, 1, `${client.userId} gets no second welcome`)
  }
  matchAll(t, bob.frames('ack'), [{ id: 'b1' }, { id: 'b2' }, { id: 'b3' }, { id: 'b6', seq: 6 }])
  t.match(log.of('room_lost'), [
    { room: 'lobby', user: 'ann', reason: 'handed off' },
    { room: 'lobby', user: 'bob' },
  ])
  t.match(log.of('room_reentered'), [
    { room: 'lobby', since: 3, attempts: 2 },
    { room: 'lobby', since: 3, attempts: 2 },
  ])
})

t.test('a move too far behind passes the welcome on with recovered: false', async (t) => {
  const world = await createWorld({ limits: { maxRecovery: 2, recentBufferSize: 2 } })
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'lobby' })
  await world.settle()
  world.faults.failNext(1, 'loadRoom')
  await world.handOff('lobby')
  const cyd = await world.connect('cyd', { room: 'lobby' })
  for (let i = 1; i <= 4; i++) cyd.write({ type: 'send', id: `c${i}`, text: `m${i}` })
  await world.settle()
  await world.advance(5000)
  matchAll(
    t,
    ann.frames('welcome'),
    [{ seq: 0 }, { seq: 4, recovered: false }],
    'the client learns it must page history',
  )
  cyd.write({ type: 'send', id: 'c5', text: 'm5' })
  await world.settle()
  t.same(seqs(ann, 'lobby'), [5], 'live messages follow')
})

t.test('a send unanswered when the owner is lost is resent and acked once, stored once', async (t) => {
  const cluster = new LoopbackCluster()
  const world = await createWorld({ cluster })
  cluster.host = world.host
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  await world.settle()
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'k1', text: 'one', room: 'lobby' })
  await world.settle()
  cluster.cut('owner died') // its ack (and broadcast) will not reach ann's old connection
  await world.settle()
  release()
  await world.settle()
  ann.write({ type: 'send', id: 'k2', text: 'two', room: 'lobby' })
  await world.settle()
  matchAll(
    t,
    ann.frames('ack'),
    [
      { id: 'k1', seq: 1 },
      { id: 'k2', seq: 2 },
    ],
    'each send acked exactly once',
  )
  t.same(seqs(ann, 'lobby'), [1, 2])
  t.same(seqs(bob, 'lobby'), [1, 2])
  t.equal(ann.frames('welcome').length, 1)
  const stored = await world.store.readPage('lobby', { limit: 10 })
  t.same(
    stored.messages.map((m) => m.clientId),
    ['k1', 'k2'],
    'stored once',
  )
})

t.test('gives up after roomMoveTimeoutMs: /ws gets left "unavailable", a room socket closes 1013', async (t) => {
  const log = capture()
  const world = await createWorld({ logger: log.logger, limits: { roomMoveTimeoutMs: 3000 } })
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'lobby' })
  ann.write({ type: 'join', room: 'hall' })
  const bob = await world.connect('bob', { room: 'lobby' })
  world.faults.failNext(1000, 'loadRoom')
  await world.handOff('lobby')
  await world.advance(2900)
  t.same(ann.frames('left'), [], 'still trying')
  await world.advance(200)
  matchAll(t, ann.frames('left'), [{ room: 'lobby', reason: 'unavailable' }])
  t.match(bob.closedWith, { code: 1013 })
  t.equal(ann.closedWith, undefined)
  ann.write({ type: 'send', id: 'k1', text: 'x', room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'x', room: 'hall' })
  await world.settle()
  t.match(ann.frames('error'), [{ code: 'not_joined', room: 'lobby' }], 'the room is forgotten')
  t.match(ann.last('ack'), { room: 'hall', id: 'k1' }, 'other rooms still work')
  const gaveUp = log.of('room_move_gave_up')
  t.equal(gaveUp.length, 2)
  t.ok(
    gaveUp.every((f) => (f.attempts as number) < 10),
    'retries back off',
  )
  world.faults.clear()
})

t.test('revoked while the room moves: the re-entry is refused as a revocation', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'lobby' })
  await world.settle()
  world.faults.failNext(1, 'loadRoom')
  await world.handOff('lobby')
  world.host.revoke('lobby', 'ann')
  await world.advance(5000)
  matchAll(t, ann.frames('left'), [{ room: 'lobby', reason: 'revoked' }])
  t.equal(world.isActive('lobby'), false, 'never entered again')
})

t.test('while moving: sends wait (bounded), typing is dropped, history refused, the latest read kept', async (t) => {
  const world = await createWorld({ limits: { maxUnackedSends: 3 } })
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  for (let i = 1; i <= 2; i++) bob.write({ type: 'send', id: `b${i}`, text: `m${i}` })
  await world.settle()
  world.faults.failNext(1, 'loadRoom')
  await world.handOff('lobby')
  for (let i = 1; i <= 4; i++) ann.write({ type: 'send', id: `k${i}`, text: `t${i}`, room: 'lobby' })
  ann.write({ type: 'typing', active: true, room: 'lobby' })
  ann.write({ type: 'history', room: 'lobby' })
  ann.write({ type: 'read', seq: 2, room: 'lobby' })
  ann.write({ type: 'read', seq: 1, room: 'lobby' })
  await world.settle()
  matchAll(t, ann.frames('error'), [
    { code: 'limit_exceeded', room: 'lobby', ref: 'k4' },
    { code: 'unavailable', room: 'lobby' },
  ])
  t.same(ann.frames('ack'), [], 'nothing stored while the room is away')
  await world.advance(5000)
  matchAll(t, ann.frames('ack'), [
    { id: 'k1', seq: 3 },
    { id: 'k2', seq: 4 },
    { id: 'k3', seq: 5 },
  ])
  t.equal(await world.store.getReadMarker('lobby', 'ann'), 2, 'the latest read went through')
  t.same(seqs(ann, 'lobby'), [1, 2, 3, 4, 5])
})

t.test('in a room, at most maxUnackedSends sends wait for their ack', async (t) => {
  const world = await createWorld({ limits: { maxUnackedSends: 2 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  const release = world.faults.stall('append')
  for (let i = 1; i <= 4; i++) ann.write({ type: 'send', id: `k${i}`, text: `t${i}` })
  ann.write({ type: 'send', id: 'k1', text: 't1' })
  await world.settle()
  matchAll(
    t,
    ann.frames('error'),
    [
      { code: 'limit_exceeded', room: 'lobby', ref: 'k3' },
      { code: 'limit_exceeded', room: 'lobby', ref: 'k4' },
    ],
    'a resend of a waiting id is not one more',
  )
  release()
  await world.settle()
  ann.write({ type: 'send', id: 'k3', text: 't3' })
  await world.settle()
  t.same(
    ann
      .frames('ack')
      .map((f) => f.id)
      .sort(),
    ['k1', 'k1', 'k2', 'k3'],
    'room again once answered',
  )
})
