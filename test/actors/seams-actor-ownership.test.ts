// The room actor in a cluster (issue 10): it claims the room at activation and fences every
// write with that epoch; a stale actor writes nothing and tells its connections the room is
// lost (they keep their sockets); a handoff settles the writes, loses the connections and
// releases the claim. Ownership here is a small layer over MemoryStore (Ownership in the rig).
import t from 'tap'
import { RoomUnavailableError } from '../../actors/actor.ts'
import { MemoryStore } from '../../actors/testing/memory-store.ts'
import { FakeConn, messageSeqs, Ownership, Rig } from './seams-actor-rig.ts'

t.test('activation claims the room first, then loads it; every append is fenced with the epoch', async (t) => {
  const ownership = new Ownership()
  ownership.owners.set('lobby', { node: 'old', epoch: 4 })
  const rig = new Rig({ ownership, node: 'a' })
  const ann = new FakeConn(1, 'ann')
  await rig.actor.enter(ann, undefined)
  t.same(
    rig.claims,
    [{ epoch: 5, previous: { node: 'old', epoch: 4 } }],
    'claimed is told the claim and what it replaced',
  )
  t.equal(rig.actor.epoch, 5)
  rig.send(ann, 'k1')
  await rig.settle()
  rig.send(ann, 'k2')
  await rig.settle()
  t.same(ownership.fences, [5, 5])
  t.same(
    ann.frames('ack').map((f) => f.seq),
    [1, 2],
  )
  t.match(
    rig.logs.find((l) => l.event === 'room_activated'),
    { fields: { room: 'lobby', epoch: 5 } },
  )
})

t.test('without a node id (or a store that cannot claim), nothing is claimed and appends carry no fence', async (t) => {
  const ownership = new Ownership()
  const rig = new Rig({ ownership })
  const ann = new FakeConn(1, 'ann')
  await rig.actor.enter(ann, undefined)
  rig.send(ann, 'k1')
  await rig.settle()
  t.same(rig.claims, [])
  t.equal(rig.actor.epoch, undefined)
  t.same(ownership.fences, [undefined])
  t.same(ownership.owners.size, 0)
})

t.test('a failed claim is a failed activation: refused, evicted, the room not loaded', async (t) => {
  const memory = new MemoryStore()
  const rig = new Rig({ ownership: failingClaims(), memory, node: 'a' })
  await t.rejects(rig.actor.enter(new FakeConn(1, 'ann'), undefined), RoomUnavailableError)
  t.ok(rig.evicted, 'forgotten: the next use tries again')
  t.equal(memory.calls.get('loadRoom') ?? 0, 0, 'not loaded without the claim')
  t.match(
    rig.logs.find((l) => l.event === 'room_activation_failed'),
    { level: 'error', fields: { room: 'lobby' } },
  )
})

t.test(
  'another node claims the room: the stale actor stores nothing, its senders hear unavailable, its connections are lost (not kicked)',
  async (t) => {
    const ownership = new Ownership()
    const memory = new MemoryStore()
    const a = new Rig({ ownership, memory, node: 'a' })
    const ann = new FakeConn(1, 'ann')
    const bob = new FakeConn(2, 'bob')
    await a.actor.enter(ann, undefined)
    await a.actor.enter(bob, undefined)
    a.send(ann, 'k1')
    await a.settle()
    t.same(
      ann.frames('ack').map((f) => f.seq),
      [1],
    )

    // One write in flight and one queued behind it when node b takes the room over.
    const release = ownership.stallAppends()
    a.send(ann, 'k2')
    await a.settle()
    a.send(bob, 'k3')
    await a.settle()
    const b = new Rig({ ownership, memory, node: 'b' })
    const cyd = new FakeConn(3, 'cyd')
    await b.actor.enter(cyd, 0)
    t.equal(b.actor.epoch, 2)
    release()
    await a.settle()

    t.same(
      ann.received.filter((r) => r.frame.type === 'error').map((r) => [r.frame.code, r.frame.ref, r.info]),
      [['unavailable', 'k2', { answers: 'k2' }]],
    )
    t.same(
      bob.frames('error').map((f) => [f.code, f.ref]),
      [['unavailable', 'k3']],
      'the queued send is answered too',
    )
    for (const c of [ann, bob]) {
      t.equal(c.lostWith, 'room moved', `${c.userId}: lost`)
      t.equal(c.kickedWith, undefined, `${c.userId}: its socket is not closed`)
    }
    t.ok(a.evicted, 'the stale actor is gone')
    t.match(
      a.logs.find((l) => l.event === 'room_fenced'),
      { level: 'warn', fields: { room: 'lobby', epoch: 1 } },
    )
    t.same(
      (await memory.readPage('lobby', { after: 0, limit: 10 })).messages.map((m) => m.clientId),
      ['k1'],
      'nothing stored by the stale owner',
    )
    t.same(ownership.fences, [1, 1], 'it tried once, fenced (the queued send was never written)')

    // The new owner goes on from the stored head; a resend of k2 there is a new message.
    b.send(cyd, 'k9')
    await b.settle()
    t.same(
      cyd.frames('ack').map((f) => f.seq),
      [2],
    )
    t.same(messageSeqs(cyd), [1, 2])
  },
)

t.test(
  'a seq conflict (another writer moved the room on) also loses the connections, it does not kick them',
  async (t) => {
    const rig = new Rig()
    const ann = new FakeConn(1, 'ann')
    await rig.actor.enter(ann, undefined)
    await rig.memory.append('lobby', 0, [
      { id: 'x1', seq: 1, roomId: 'lobby', senderId: 'zed', text: 'elsewhere', ts: rig.clock.now(), clientId: 'z' },
    ])
    rig.send(ann, 'k1')
    await rig.settle()
    t.same(
      ann.frames('error').map((f) => [f.code, f.ref]),
      [['unavailable', 'k1']],
    )
    t.equal(ann.lostWith, 'room moved')
    t.equal(ann.kickedWith, undefined)
    t.ok(rig.evicted)
  },
)

t.test(
  'handOff: waits for accepted writes, takes no new send, loses every connection, releases the claim',
  async (t) => {
    const ownership = new Ownership()
    const rig = new Rig({ ownership, node: 'a' })
    const ann = new FakeConn(1, 'ann')
    await rig.actor.enter(ann, undefined)
    rig.send(ann, 'k1')
    await rig.settle()
    const release = rig.faults.stall('append')
    rig.send(ann, 'k2')
    await rig.settle()
    const releaseRoom = rig.store.releaseRoom!
    let lostAtRelease: string | undefined = 'not released'
    rig.store.releaseRoom = (...args) => {
      lostAtRelease = ann.lostWith
      return releaseRoom(...args)
    }
    let done = false
    const handOff = rig.actor.handOff('node draining').then(() => {
      done = true
    })
    rig.send(ann, 'k3') // arrives during the handoff: left to its session to resend where the room goes
    await rig.settle()
    t.notOk(done, 'waiting for the write in flight')
    t.equal(ann.lostWith, undefined, 'connections stay until the writes settle')
    release()
    await handOff
    t.same(
      ann.frames('ack').map((f) => f.id),
      ['k1', 'k2'],
      'the accepted write finished and was acked',
    )
    t.same(ann.frames('error'), [], 'the send that came during the handoff was not answered here')
    t.equal(ann.lostWith, 'node draining')
    t.equal(ann.kickedWith, undefined)
    t.ok(rig.evicted)
    t.same(ownership.owners.get('lobby'), { epoch: 1 }, 'released: no owner, epoch kept')
    t.equal(
      lostAtRelease,
      undefined,
      'released before the connections are lost: their next owner finds a clean handoff',
    )
    t.same(
      (await rig.memory.readPage('lobby', { after: 0, limit: 10 })).messages.map((m) => m.clientId),
      ['k1', 'k2'],
    )
  },
)

t.test('handOff: a release that fails (or is refused) is logged, never thrown', async (t) => {
  const ownership = new Ownership()
  ownership.failReleases = 1
  const rig = new Rig({ ownership, node: 'a' })
  await rig.actor.enter(new FakeConn(1, 'ann'), undefined)
  await rig.actor.handOff('rebalance')
  t.match(
    rig.logs.find((l) => l.event === 'room_release_failed'),
    { level: 'error', fields: { room: 'lobby', epoch: 1 } },
  )
  t.same(ownership.owners.get('lobby'), { node: 'a', epoch: 1 })

  const other = new Rig({ ownership, node: 'b' })
  await other.actor.enter(new FakeConn(2, 'bob'), undefined)
  ownership.owners.set('lobby', { node: 'c', epoch: 3 }) // claimed away meanwhile
  await other.actor.handOff('rebalance')
  t.match(
    other.logs.find((l) => l.event === 'room_release_refused'),
    { level: 'info', fields: { room: 'lobby', epoch: 2 } },
  )
  t.same(ownership.owners.get('lobby'), { node: 'c', epoch: 3 }, "someone else's claim is left alone")
})

t.test('evictNow still closes sockets (drain: 1001), and does not lose them', async (t) => {
  const rig = new Rig()
  const ann = new FakeConn(1, 'ann')
  await rig.actor.enter(ann, undefined)
  await rig.actor.evictNow(1001, 'server draining')
  t.same(ann.kickedWith, { code: 1001, reason: 'server draining' })
  t.equal(ann.lostWith, undefined)
})

/** Ownership whose every claim fails. */
function failingClaims(): Ownership {
  const ownership = new Ownership()
  const over = ownership.over.bind(ownership)
  ownership.over = (inner) => {
    const store = over(inner)
    store.claimRoom = () => Promise.reject(new Error('conditional write failed'))
    return store
  }
  return ownership
}

t.test("over MemoryStore's own ownership: a second claim fences the first actor off", async (t) => {
  const memory = new MemoryStore()
  const a = new Rig({ memory, node: 'a' })
  const ann = new FakeConn(1, 'ann')
  await a.actor.enter(ann, undefined)
  a.send(ann, 'k1')
  await a.settle()
  t.same(await memory.roomOwnership('lobby'), { node: 'a', epoch: 1 })
  await memory.claimRoom('lobby', 'b')
  a.send(ann, 'k2')
  await a.settle()
  t.same(
    ann.frames('error').map((f) => [f.code, f.ref]),
    [['unavailable', 'k2']],
  )
  t.equal(ann.lostWith, 'room moved')
  t.ok(a.evicted)
  t.same(
    (await memory.readPage('lobby', { after: 0, limit: 10 })).messages.map((m) => m.clientId),
    ['k1'],
  )
})
