// The room actor as a RoomHandle (issue 10, "the seams"): what each frame tells its
// connection (FrameInfo), one broadcast per broadcast group, and recovery whose store reads
// happen outside the room's input gate, with no gap and no duplicate.
import t from 'tap'
import { ActorGoneError } from '../../actors/actor.ts'
import { FakeConn, FakeGroup, messageSeqs, Rig } from './seams-actor-rig.ts'

t.test('every frame to a connection carries its FrameInfo: welcome, message seq, answers, droppable', async (t) => {
  const rig = new Rig()
  const ann = new FakeConn(1, 'ann')
  const bob = new FakeConn(2, 'bob')
  await rig.actor.enter(ann, undefined)
  rig.send(ann, 'k1', 'one')
  await rig.settle()
  await rig.actor.enter(bob, 0)
  rig.send(ann, 'k2', 'two')
  rig.send(ann, 'bad', '')
  rig.actor.frame(ann.id, { type: 'typing', active: true })
  await rig.settle()

  t.same(
    ann.received.map((r) => [r.frame.type, r.info]),
    [
      ['welcome', { welcome: { seq: 0 } }],
      ['message', { seq: 1 }],
      ['ack', { answers: 'k1' }],
      ['presence', { droppable: true }],
      ['error', { answers: 'bad' }],
      ['message', { seq: 2 }],
      ['ack', { answers: 'k2' }],
    ],
    'ann: her own broadcasts and answers, bob arriving',
  )
  t.same(
    bob.received.map((r) => [r.frame.type, r.info]),
    [
      ['welcome', { welcome: { seq: 1, recovered: true } }],
      ['message', { seq: 1 }],
      ['typing', { droppable: true }],
      ['message', { seq: 2 }],
    ],
    'bob: recovery after his welcome, then live (typing is not held for a write)',
  )
  t.equal(ann.frames('error')[0]!.ref, 'bad')
})

t.test('a broadcast goes once to each group, encoded once, never to a grouped connection itself', async (t) => {
  const rig = new Rig()
  const north = new FakeGroup()
  const south = new FakeGroup()
  const ann = new FakeConn(1, 'ann', north)
  const bob = new FakeConn(2, 'bob', north)
  const cyd = new FakeConn(3, 'cyd', south)
  const dan = new FakeConn(4, 'dan')
  for (const c of [ann, bob, cyd, dan]) await rig.actor.enter(c, undefined)
  await rig.settle()
  for (const g of [north, south]) g.got.length = 0
  for (const c of [ann, bob, cyd, dan]) c.received.length = 0

  rig.send(ann, 'k1', 'hello')
  rig.actor.frame(bob.id, { type: 'typing', active: true })
  await rig.settle()

  for (const [name, group] of [
    ['north', north],
    ['south', south],
  ] as const) {
    t.same(
      group.got.map((g) => [JSON.parse(g.text).type, g.exceptUser, g.info]),
      [
        ['typing', 'bob', { droppable: true }],
        ['message', undefined, { seq: 1 }],
      ],
      `${name}: each broadcast once, with who to skip and its info`,
    )
  }
  t.same(
    north.got.map((g) => g.text),
    south.got.map((g) => g.text),
    'the same encoded text for every group',
  )
  t.same(
    ann.received.map((r) => [r.frame.type, r.info]),
    [['ack', { answers: 'k1' }]],
    'a grouped sender gets its ack itself, its broadcast through the group',
  )
  t.same(bob.received, [], 'nothing of a broadcast to a grouped connection')
  t.same(
    dan.received.map((r) => [r.frame.type, r.info]),
    [
      ['typing', { droppable: true }],
      ['message', { seq: 1 }],
    ],
  )

  // A group whose connections all left gets nothing more; one with a connection left still does.
  rig.actor.leave(ann.id)
  rig.actor.leave(cyd.id)
  await rig.settle()
  const [northBefore, southBefore] = [north.got.length, south.got.length]
  rig.send(dan, 'k2', 'again')
  await rig.settle()
  t.equal(south.got.length, southBefore, 'south has no connection left: nothing')
  t.same(
    north.got.slice(northBefore).map((g) => g.info),
    [{ seq: 2 }],
    'north still has bob: the message once',
  )
})

t.test(
  'recovery reads the store outside the gate: the room goes on, the entry sees no gap and no duplicate',
  async (t) => {
    const rig = new Rig({ limits: { recentBufferSize: 2, historyMaxLimit: 2 } })
    const ann = new FakeConn(1, 'ann')
    await rig.actor.enter(ann, undefined)
    for (let i = 1; i <= 5; i++) rig.send(ann, `k${i}`)
    await rig.settle()

    const release = rig.faults.stall('readPage')
    const bob = new FakeConn(2, 'bob')
    let entered = false
    const entry = rig.actor.enter(bob, 0).then(() => {
      entered = true
    })
    await rig.settle()
    t.equal(rig.instrumented.held, 1, 'the backlog read is stalled')

    rig.send(ann, 'k6')
    rig.actor.frame(ann.id, { type: 'typing', active: true })
    await rig.settle()
    t.same(
      ann.frames('ack').map((f) => f.seq),
      [1, 2, 3, 4, 5, 6],
      'another send in the room is acked while the entry reads',
    )
    t.notOk(entered, 'the entry is still reading')

    release()
    await entry
    rig.send(ann, 'k7')
    await rig.settle()
    t.same(
      bob
        .frames()
        .map((f) =>
          f.type === 'welcome' ? `welcome ${f.seq} ${f.recovered}` : f.type === 'message' ? f.message.seq : f.type,
        ),
      ['welcome 6 true', 1, 2, 3, 4, 5, 6, 7],
      'welcome at the head, the backlog with what was stored meanwhile, then live; no typing from before',
    )
    t.equal(rig.memory.calls.get('readPage'), 3, 'three pages of two: the store only up to the head seen at entry')
  },
)

t.test('more stored during the read than the buffer holds: read again outside, still exactly once', async (t) => {
  const rig = new Rig({ limits: { recentBufferSize: 2, historyMaxLimit: 100 } })
  const ann = new FakeConn(1, 'ann')
  await rig.actor.enter(ann, undefined)
  for (let i = 1; i <= 4; i++) rig.send(ann, `k${i}`)
  await rig.settle()

  const release = rig.faults.stall('readPage')
  const bob = new FakeConn(2, 'bob')
  const entry = rig.actor.enter(bob, 1)
  await rig.settle()
  for (let i = 5; i <= 7; i++) {
    rig.send(ann, `k${i}`)
    await rig.settle() // one batch each: 5, 6, 7; the buffer keeps only 6 and 7
  }
  t.same(
    ann.frames('ack').map((f) => f.seq),
    [1, 2, 3, 4, 5, 6, 7],
  )
  release()
  await entry
  await rig.settle()
  t.same(messageSeqs(bob), [2, 3, 4, 5, 6, 7])
  t.match(bob.frames('welcome'), [{ seq: 7, recovered: true }])
  t.equal(rig.memory.calls.get('readPage'), 2, 'the first read up to 4, a second for 5 (6 and 7 from the buffer)')
})

t.test(
  'a room that moved on past maxRecovery during the read: welcome with recovered false, no messages',
  async (t) => {
    const rig = new Rig({ limits: { recentBufferSize: 1, maxRecovery: 4 } })
    const ann = new FakeConn(1, 'ann')
    await rig.actor.enter(ann, undefined)
    for (let i = 1; i <= 4; i++) rig.send(ann, `k${i}`)
    await rig.settle()
    const release = rig.faults.stall('readPage')
    const bob = new FakeConn(2, 'bob')
    const entry = rig.actor.enter(bob, 0)
    await rig.settle()
    rig.send(ann, 'k5')
    await rig.settle()
    release()
    await entry
    t.same(
      bob
        .frames()
        .filter((f) => f.type !== 'presence')
        .map((f) => [f.type, f.seq, f.recovered]),
      [['welcome', 5, false]],
    )
  },
)

t.test(
  'the read marker is read outside the gate too; a backlog the buffer holds is not read from the store',
  async (t) => {
    const rig = new Rig()
    const ann = new FakeConn(1, 'ann')
    await rig.actor.enter(ann, undefined)
    rig.send(ann, 'k1')
    await rig.settle()
    await rig.memory.advanceReadMarker('lobby', 'bob', 1)
    const release = rig.faults.stall('getReadMarker')
    const bob = new FakeConn(2, 'bob')
    const entry = rig.actor.enter(bob, 0)
    await rig.settle()
    rig.send(ann, 'k2')
    await rig.settle()
    t.same(
      ann.frames('ack').map((f) => f.seq),
      [1, 2],
      'acked while the marker is read',
    )
    release()
    await entry
    t.match(bob.frames('welcome'), [{ seq: 2, lastRead: 1, recovered: true }])
    t.same(messageSeqs(bob), [1, 2], 'the backlog and what was stored meanwhile, from the buffer')
    t.equal(rig.memory.calls.get('readPage') ?? 0, 0, 'no page read')
  },
)

t.test('evicted while an entry reads outside the gate: the entry rejects with ActorGoneError', async (t) => {
  const rig = new Rig({ limits: { recentBufferSize: 1 } })
  const ann = new FakeConn(1, 'ann')
  await rig.actor.enter(ann, undefined)
  rig.send(ann, 'k1')
  rig.send(ann, 'k2')
  await rig.settle()
  const release = rig.faults.stall('readPage')
  const entry = rig.actor.enter(new FakeConn(2, 'bob'), 0)
  await rig.settle()
  await rig.actor.evictNow()
  release()
  await t.rejects(entry, ActorGoneError)
  t.ok(rig.evicted)
})

t.test('an entry under way keeps the actor from idle eviction; a failed read lets it go idle', async (t) => {
  const rig = new Rig({ limits: { idleEvictMs: 1000 } })
  await rig.settle()
  const release = rig.faults.stall('getReadMarker')
  const entry = rig.actor.enter(new FakeConn(1, 'ann'), undefined)
  await rig.settle()
  rig.clock.set(rig.clock.now() + 5000)
  await rig.settle()
  t.notOk(rig.evicted, 'not idle while an entry reads')
  release(new Error('marker read failed'))
  await t.rejects(entry, /marker read failed/)
  await rig.settle()
  rig.clock.set(rig.clock.now() + 1000)
  await rig.settle()
  t.ok(rig.evicted, 'idle once the failed entry is forgotten')
})
