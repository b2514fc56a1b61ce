// The README's harness example, verbatim, so that it stays true.
import t from 'tap'
import { createWorld, MemoryStore } from '../../actors/testing.ts'

t.test('a message is acknowledged only once stored', async (t) => {
  const world = await createWorld({ store: new MemoryStore(), limits: { typingTimeoutMs: 10_000 } })
  const ann = await world.connect('ann', { room: 'lobby' }) // fake connection, like /ws/rooms/lobby
  const bob = await world.connect('bob', { room: 'lobby' })

  const release = world.faults.stall('append') // storage hangs
  ann.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.settle() // run every pending event
  t.equal(bob.frames('message').length, 0) // nothing visible yet
  release()
  await world.settle()
  t.match(ann.last('ack'), { id: 'k1', seq: 1 })

  ann.write({ type: 'typing', active: true })
  await world.advance(10_000) // virtual time: timers fire in order
  t.match(bob.last('typing'), { userId: 'ann', active: false })

  await world.evict('lobby') // force eviction; next use re-activates
  const back = await world.connect('bob', { room: 'lobby', since: 0 })
  // whole lists: t.match on an array matches a prefix
  const seqs = back.frames('message').map((m) => m.message.seq)
  t.same(seqs, [1])
})
