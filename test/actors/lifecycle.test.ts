// Activation, eviction, recovery, read markers, idempotency across restarts, drain.
import t from 'tap'
import { createWorld } from '../../actors/testing.ts'
import { matchAll } from '../support/match-all.ts'

t.test('idle actors are evicted after idleEvictMs and re-activate with their state', async (t) => {
  const world = await createWorld({ limits: { idleEvictMs: 60_000 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  ann.write({ type: 'send', id: 'k2', text: 'two' })
  await world.settle()
  ann.write({ type: 'read', seq: 2 })
  await world.settle()
  await ann.disconnect()
  await world.advance(59_999)
  t.ok(world.isActive('lobby'), 'kept while within the idle time')
  await world.advance(1)
  t.notOk(world.isActive('lobby'), 'evicted once idle for 60 s')

  const again = await world.connect('ann', { room: 'lobby' })
  t.match(again.last('welcome'), { seq: 2, lastRead: 2 }, 'seq and read marker restored')
  again.write({ type: 'send', id: 'k2', text: 'two' })
  again.write({ type: 'send', id: 'k3', text: 'three' })
  await world.settle()
  matchAll(
    t,
    again.frames('ack'),
    [
      { id: 'k2', seq: 2 },
      { id: 'k3', seq: 3 },
    ],
    'idempotency window restored; seq continues',
  )
})

t.test('a connection keeps the actor alive', async (t) => {
  const world = await createWorld({ limits: { idleEvictMs: 1000 } })
  await world.connect('ann', { room: 'lobby' })
  await world.advance(10_000)
  t.ok(world.isActive('lobby'))
})

t.test('forced eviction closes connections with 1001; restart keeps everything', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  await world.settle()
  ann.write({ type: 'read', seq: 1 })
  await world.settle()
  await world.evict('lobby')
  t.match(ann.closedWith, { code: 1001 })
  await world.restart()
  const back = await world.connect('ann', { room: 'lobby', since: 0 })
  matchAll(t, back.frames(), [
    { type: 'welcome', seq: 1, lastRead: 1, recovered: true },
    { type: 'message', message: { seq: 1 } },
  ])
  back.write({ type: 'send', id: 'k1', text: 'one' })
  await world.settle()
  t.match(back.last('ack'), { id: 'k1', seq: 1 }, 'resend after a restart is recognised')
})

t.test('a resend after the in-memory window is still never stored twice', async (t) => {
  const world = await createWorld({ limits: { idempotencyWindowMs: 1000 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  await world.settle()
  await world.advance(5000)
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  ann.write({ type: 'send', id: 'k2', text: 'two' })
  await world.settle()
  matchAll(t, ann.frames('ack'), [
    { id: 'k1', seq: 1 },
    { id: 'k1', seq: 1 },
    { id: 'k2', seq: 2 },
  ])
  t.same(
    (await world.host.history('lobby', {})).messages.map((m) => m.seq),
    [1, 2],
  )
})

t.test('recovery with since: from the buffer and from the store, no gap, no duplicate', async (t) => {
  const world = await createWorld({ limits: { recentBufferSize: 5, sendBurst: 100 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  for (let i = 1; i <= 12; i++) ann.write({ type: 'send', id: `k${i}`, text: `m${i}` })
  await world.settle()
  const near = await world.connect('bob', { room: 'lobby', since: 9 })
  t.match(near.frames()[0], { type: 'welcome', seq: 12, recovered: true })
  t.same(
    near.frames('message').map((m) => m.message.seq),
    [10, 11, 12],
    'served from the buffer',
  )
  const far = await world.connect('cyd', { room: 'lobby', since: 2 })
  t.same(
    far.frames('message').map((m) => m.message.seq),
    [3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    'served from the store',
  )
  const current = await world.connect('dan', { room: 'lobby', since: 12 })
  matchAll(t, current.frames(), [{ type: 'welcome', recovered: true }])
  t.equal(current.frames().length, 1)
  ann.write({ type: 'send', id: 'k13', text: 'live' })
  await world.settle()
  t.same(
    far
      .frames('message')
      .map((m) => m.message.seq)
      .slice(-2),
    [12, 13],
    'then live ones',
  )
})

t.test('recovery while a write is in flight: nothing lost between backlog and live', async (t) => {
  const world = await createWorld({ limits: { recentBufferSize: 2 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  for (let i = 1; i <= 5; i++) ann.write({ type: 'send', id: `k${i}`, text: `m${i}` })
  await world.settle()
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'k6', text: 'm6' })
  await world.settle()
  const bob = await world.connect('bob', { room: 'lobby', since: 1 })
  release()
  await world.settle()
  t.same(
    bob.frames('message').map((m) => m.message.seq),
    [2, 3, 4, 5, 6],
  )
})

t.test('too far behind: recovered false, and history pages the rest', async (t) => {
  const world = await createWorld({ limits: { maxRecovery: 3, recentBufferSize: 2 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  for (let i = 1; i <= 6; i++) ann.write({ type: 'send', id: `k${i}`, text: `m${i}` })
  await world.settle()
  const bob = await world.connect('bob', { room: 'lobby', since: 1 })
  matchAll(t, bob.frames(), [{ type: 'welcome', recovered: false }])
  bob.write({ type: 'history', before: 5, limit: 3 })
  await world.settle()
  t.match(bob.last('history'), { room: 'lobby', more: true })
  t.same(
    bob.last('history')!.messages.map((m: { seq: number }) => m.seq),
    [2, 3, 4],
  )
  bob.write({ type: 'history' })
  await world.settle()
  t.same(
    bob.last('history')!.messages.map((m: { seq: number }) => m.seq),
    [1, 2, 3, 4, 5, 6],
  )
  t.equal(bob.last('history')!.more, false)
})

t.test('read markers only move forward and are told to the room', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  for (let i = 1; i <= 3; i++) ann.write({ type: 'send', id: `k${i}`, text: 'x' })
  await world.settle()
  ann.write({ type: 'read', seq: 2 })
  await world.settle()
  ann.write({ type: 'read', seq: 1 })
  ann.write({ type: 'read', seq: 99 })
  await world.settle()
  t.same(
    bob.frames('read').map((f) => f.seq),
    [2, 3],
    'backwards ignored; past the latest counts as the latest',
  )
  t.match(bob.last('read'), { room: 'lobby', userId: 'ann' })
  t.equal(await world.store.getReadMarker('lobby', 'ann'), 3)
})

t.test('activation failure: refused, then the next use retries', async (t) => {
  const world = await createWorld()
  world.faults.failNext(1, 'loadRoom')
  const ann = await world.connect('ann', { room: 'lobby' })
  matchAll(t, ann.frames(), [{ type: 'error', code: 'unavailable', room: 'lobby' }])
  t.match(ann.closedWith, { code: 1013 })
  const again = await world.connect('ann', { room: 'lobby' })
  matchAll(t, again.frames(), [{ type: 'welcome' }])
})

t.test('drain stores every accepted message before it resolves', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  await world.settle()
  ann.write({ type: 'send', id: 'k2', text: 'two' })
  await world.settle()
  let drained = false
  const draining = world.host.drain().then(() => {
    drained = true
  })
  await world.settle()
  t.match(ann.closedWith, { code: 1001 })
  t.notOk(drained, 'drain waits for the write in flight')
  release()
  await draining
  t.same(
    (await world.store.readPage('lobby', { limit: 10 })).messages.map((m) => m.seq),
    [1, 2],
  )
})

t.test('history before 0 is an empty page, as over HTTP', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'x' })
  await world.settle()
  ann.write({ type: 'history', before: 0 })
  await world.settle()
  t.same(ann.last('history'), { type: 'history', room: 'lobby', messages: [], more: false })
  t.same(await world.host.history('lobby', { before: 0 }), { messages: [], more: false })
})
