// The host's and the actor shell's edges that the behaviour tests did not reach: another writer
// moving the room (1013 "room moved", its message invisible until then), history by `after` and
// `before`, drain, the per-user connection count. Each kills mutants `npm run mutation` found
// surviving in actors/host.ts and actors/actor.ts (docs/guarantees.md "Test strength").
import t from 'tap'
import { createWorld } from '../../actors/testing.ts'

t.test(
  'another writer moves the room: its message stays invisible here, the next write fails and the session enters the room again',
  async (t) => {
    const world = await createWorld({ limits: { recentBufferSize: 1 } })
    const ann = await world.connect('ann', { room: 'lobby' })
    ann.write({ type: 'send', id: 'k0', text: 'zero' })
    ann.write({ type: 'send', id: 'k1', text: 'one' })
    await world.settle()
    const other = {
      id: 'x3',
      seq: 3,
      roomId: 'lobby',
      senderId: 'zed',
      text: 'elsewhere',
      ts: world.clock.now() + 1,
      clientId: 'z',
    }
    await world.store.append('lobby', 2, [other])
    const page = await world.host.history('lobby', { limit: 10 })
    t.same(
      page.messages.map((m) => m.seq),
      [1, 2],
      'read from the store (the buffer holds one), without what this actor did not write',
    )
    ann.write({ type: 'send', id: 'k2', text: 'two' })
    await world.settle()
    t.same(
      ann.frames('error').map((f) => f.code),
      ['unavailable'],
    )
    // The stale actor is gone; the session entered a fresh one (loaded afresh) with since, keeping its socket.
    t.equal(ann.closedWith, undefined)
    t.same(
      ann.frames('message').map((f) => f.message.seq),
      [1, 2, 3],
      "the other writer's message, once it is the room's",
    )
    t.equal(ann.frames('welcome').length, 1)
    const again = await world.connect('ann', { room: 'lobby' })
    t.equal(again.frames('welcome')[0]!.seq, 3)
  },
)

t.test('history through the host: after and before, with and without a live actor', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  for (let i = 1; i <= 5; i++) ann.write({ type: 'send', id: `k${i}`, text: `t${i}` })
  await world.settle()
  const seqs = async (q: { after?: number; before?: number; limit?: number }) => {
    const page = await world.host.history('lobby', q)
    return [page.messages.map((m) => m.seq), page.more]
  }
  for (const live of [true, false]) {
    t.same(await seqs({ after: 1, limit: 2 }), [[2, 3], true], `after (live: ${live})`)
    t.same(await seqs({ before: 3, limit: 5 }), [[1, 2], false], `before (live: ${live})`)
    t.same(await seqs({ limit: 2 }), [[4, 5], true], `newest (live: ${live})`)
    await ann.disconnect()
    await world.evict('lobby')
  }
})

t.test('drain closes every socket with 1001 "server draining", and refuses sessions opened after', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const mux = await world.connect('bob')
  await world.host.drain()
  t.same(ann.closedWith, { code: 1001, reason: 'server draining' })
  t.same(mux.closedWith, { code: 1001, reason: 'server draining' })
  t.ok(world.host.isDraining)
  const late = await world.connect('cyd')
  t.same(late.closedWith, { code: 1001, reason: 'server draining' })
})

t.test('the connection count per user goes down by one per closed session', async (t) => {
  const world = await createWorld({ limits: { maxConnectionsPerUser: 2 } })
  const a = await world.connect('ann')
  await world.connect('ann')
  await a.disconnect()
  const c = await world.connect('ann')
  t.equal(c.closedWith, undefined, 'one closed: room for one more')
  const d = await world.connect('ann')
  t.same(d.closedWith, { code: 1008, reason: 'too many connections' }, 'two open: the third is refused')
})

t.test('read marker writes coalesce: one in flight, the highest later read follows it', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  for (let i = 1; i <= 4; i++) ann.write({ type: 'send', id: `k${i}`, text: `t${i}` })
  await world.settle()
  const release = world.faults.stall('advanceReadMarker')
  ann.write({ type: 'read', seq: 2 })
  await world.settle()
  ann.write({ type: 'read', seq: 4 })
  ann.write({ type: 'read', seq: 3 })
  await world.settle()
  release()
  await world.settle()
  t.same(
    bob.frames('read').map((f) => f.seq),
    [2, 4],
  )
  t.equal(await world.store.getReadMarker('lobby', 'ann'), 4)
})

t.test('recovery from the store: exactly maxRecovery behind still recovers, in pages', async (t) => {
  const world = await createWorld({ limits: { maxRecovery: 3, recentBufferSize: 1, historyMaxLimit: 2 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  for (let i = 1; i <= 5; i++) ann.write({ type: 'send', id: `k${i}`, text: `t${i}` })
  await world.settle()
  const near = await world.connect('bob', { room: 'lobby', since: 2 })
  t.same(
    near
      .frames()
      .filter((f) => f.type !== 'presence')
      .map((f) => (f.type === 'welcome' ? ['welcome', f.recovered] : f.message.seq)),
    [['welcome', true], 3, 4, 5],
  )
  const far = await world.connect('cyd', { room: 'lobby', since: 1 })
  t.same(
    far.frames('welcome').map((f) => f.recovered),
    [false],
  )
  t.same(far.frames('message'), [])
})

t.test('an actor whose history load is done (or failed) can go idle and be evicted', async (t) => {
  const world = await createWorld({ limits: { recentBufferSize: 1, idleEvictMs: 1000 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  ann.write({ type: 'send', id: 'k2', text: 'two' })
  await world.settle()
  ann.write({ type: 'history', limit: 5 })
  world.faults.failNext(1, 'readPage')
  ann.write({ type: 'history', limit: 5 })
  await world.settle()
  t.same(
    ann.frames('history').map((f) => f.messages.length),
    [2],
  )
  t.same(
    ann.frames('error').map((f) => f.code),
    ['unavailable'],
  )
  await ann.disconnect()
  await world.advance(1000)
  t.notOk(world.isActive('lobby'))
})
