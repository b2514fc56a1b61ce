// Durable before visible, group commit, failed writes, ordering (docs/guarantees.md).
import t from 'tap'
import { createWorld } from '../../actors/testing.ts'
import { MemoryStore } from '../../actors/testing/memory-store.ts'
import { matchAll } from '../support/match-all.ts'

t.test('nothing is visible before the write resolves', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'k1', text: 'held' })
  await world.settle()
  t.equal(ann.frames('ack').length, 0, 'no ack while the write is in flight')
  t.equal(bob.frames('message').length, 0, 'no broadcast while the write is in flight')
  release()
  await world.settle()
  matchAll(t, ann.frames('ack'), [{ id: 'k1', seq: 1 }])
  matchAll(t, bob.frames('message'), [{ message: { seq: 1, text: 'held' } }])
})

t.test('group commit: messages gather while a write is in flight', async (t) => {
  const memory = new MemoryStore()
  const world = await createWorld({ store: memory, limits: { sendBurst: 100 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'first', text: 'one' })
  await world.settle()
  for (let i = 0; i < 20; i++) ann.write({ type: 'send', id: `k${i}`, text: `m${i}` })
  await world.settle()
  release()
  await world.settle()
  t.equal(memory.calls.get('append'), 2, '21 messages in 2 writes: the first, then everything that gathered')
  t.same(
    ann.frames('ack').map((a) => a.seq),
    Array.from({ length: 21 }, (_, i) => i + 1),
  )
})

t.test('a failed write answers unavailable, broadcasts nothing, and leaves no gap', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  await world.settle()
  world.faults.failNext(1, 'append')
  ann.write({ type: 'send', id: 'k2', text: 'two' })
  await world.settle()
  t.match(ann.last('error'), { code: 'unavailable', ref: 'k2', room: 'lobby' })
  t.equal(bob.frames('message').length, 1, 'nothing broadcast for the failed write')
  ann.write({ type: 'send', id: 'k3', text: 'three' })
  ann.write({ type: 'send', id: 'k2', text: 'two' })
  await world.settle()
  t.same(
    bob.frames('message').map((m) => m.message.seq),
    [1, 2, 3],
    'seqs continue without a gap',
  )
  t.same(
    bob.frames('message').map((m) => m.message.text),
    ['one', 'three', 'two'],
  )
  const page = await world.host.history('lobby', {})
  t.same(
    page.messages.map((m) => m.seq),
    [1, 2, 3],
  )
})

t.test('a failure while later sends wait: they are written next with no gap', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'a', text: 'a' })
  await world.settle()
  ann.write({ type: 'send', id: 'b', text: 'b' })
  await world.settle()
  release(new Error('timed out'))
  await world.settle()
  matchAll(t, ann.frames('error'), [{ code: 'unavailable', ref: 'a' }])
  matchAll(t, ann.frames('ack'), [{ id: 'b', seq: 1 }])
})

t.test('ordering under concurrent senders', async (t) => {
  const world = await createWorld({ limits: { sendBurst: 1000 } })
  const users = ['ann', 'bob', 'cyd', 'dan']
  const clients = await Promise.all(users.map((u) => world.connect(u, { room: 'lobby' })))
  const watcher = await world.connect('eve', { room: 'lobby' })
  for (let round = 0; round < 25; round++) {
    for (const c of clients) c.write({ type: 'send', id: `${c.userId}-${round}`, text: `${c.userId} ${round}` })
    if (round % 5 === 0) await world.settle()
  }
  await world.settle()
  const seqs = watcher.frames('message').map((m) => m.message.seq)
  t.same(
    seqs,
    Array.from({ length: 100 }, (_, i) => i + 1),
    'every client sees 1..100 in order',
  )
  for (const c of clients) {
    t.same(
      c.frames('message').map((m) => m.message.seq),
      seqs,
    )
    const mine = c.frames('ack').map((a) => a.id)
    t.same(
      mine,
      Array.from({ length: 25 }, (_, r) => `${c.userId}-${r}`),
      'each sender is stored in the order it sent',
    )
  }
  const ts = watcher.frames('message').map((m) => m.message.ts)
  t.ok(
    ts.every((x, i) => i === 0 || x > ts[i - 1]),
    'ts strictly increases even at the same virtual instant',
  )
})

t.test("a store's batch cap bounds group commit", async (t) => {
  const memory = Object.assign(new MemoryStore(), { maxBatchSize: 3 })
  const world = await createWorld({ store: memory, limits: { sendBurst: 100 } })
  t.equal(world.host.limits.maxBatchSize, 3)
  const ann = await world.connect('ann', { room: 'lobby' })
  const release = world.faults.stall('append')
  ann.write({ type: 'send', id: 'first', text: 'one' })
  await world.settle()
  for (let i = 0; i < 7; i++) ann.write({ type: 'send', id: `k${i}`, text: `m${i}` })
  await world.settle()
  release()
  await world.settle()
  t.equal(memory.calls.get('append'), 4, '1, then 3 + 3 + 1')
  t.equal(ann.frames('ack').length, 8)
})

t.test('a resend while the first is still being written waits for the same ack and uses no token', async (t) => {
  // Two tokens: the first send takes one, the resends must take none, so `after` still fits.
  const world = await createWorld({ limits: { sendBurst: 2, sendPerSecond: 0.001 } })
  const tab1 = await world.connect('ann', { room: 'lobby' })
  const tab2 = await world.connect('ann', { room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  const release = world.faults.stall('append')
  tab1.write({ type: 'send', id: 'k1', text: 'once' })
  await world.settle()
  tab1.write({ type: 'send', id: 'k1', text: 'once' })
  tab2.write({ type: 'send', id: 'k1', text: 'once' })
  await world.settle()
  t.equal(world.instrumented.held, 1, 'one append, held; the resends started none')
  t.same(
    [...tab1.frames('ack'), ...tab2.frames('ack'), ...tab1.frames('error'), ...tab2.frames('error')],
    [],
    'nothing before it is durable',
  )
  release()
  await world.settle()
  const ack = { type: 'ack', room: 'lobby', id: 'k1', seq: 1, messageId: bob.last('message')!.message.id }
  t.same(tab1.frames('ack'), [ack, ack], 'both waiters on the first tab get the ack')
  t.same(tab2.frames('ack'), [ack], 'and the other tab, its own')
  t.same(
    bob.frames('message').map((m) => [m.message.seq, m.message.text]),
    [[1, 'once']],
    'one message, one seq, broadcast once',
  )
  t.same(
    (await world.store.readPage('lobby', { limit: 10 })).messages.map((m) => m.clientId),
    ['k1'],
    'stored once',
  )
  tab2.write({ type: 'send', id: 'after', text: 'two' })
  await world.settle()
  t.same(tab2.frames('error'), [], 'the resends used no token: the second one is still there')
  t.same(tab2.last('ack'), {
    type: 'ack',
    room: 'lobby',
    id: 'after',
    seq: 2,
    messageId: bob.last('message')!.message.id,
  })
})
