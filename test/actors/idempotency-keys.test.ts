// Idempotency keys cannot collide across users (issue 8 item 7): user `a` sending id `b\0c`
// and user `a\0b` sending id `c` are two messages, in memory, in the store and after a restart.
import t from 'tap'
import { createWorld } from '../../actors/testing.ts'
import { matchAll } from '../support/match-all.ts'

const first = { user: 'a', id: 'b\u0000c' }
const second = { user: 'a\u0000b', id: 'c' }

t.test('two users whose user id and send id would join to the same string both get their message stored', async (t) => {
  const world = await createWorld()
  const a = await world.connect(first.user, { room: 'lobby' })
  const ab = await world.connect(second.user, { room: 'lobby' })
  a.write({ type: 'send', id: first.id, text: 'from a' })
  await world.settle()
  ab.write({ type: 'send', id: second.id, text: 'from a\\0b' })
  await world.settle()
  matchAll(t, a.frames('ack'), [{ id: first.id, seq: 1 }])
  matchAll(t, ab.frames('ack'), [{ id: second.id, seq: 2 }], 'the second sender gets its own ack, not the first one')
  const stored = (await world.host.history('lobby', {})).messages
  t.same(
    stored.map((m) => [m.seq, m.senderId, m.text]),
    [
      [1, first.user, 'from a'],
      [2, second.user, 'from a\\0b'],
    ],
  )
})

t.test('and once the in-memory window has gone (restart), the store keeps them apart too', async (t) => {
  const world = await createWorld()
  const a = await world.connect(first.user, { room: 'lobby' })
  a.write({ type: 'send', id: first.id, text: 'from a' })
  await world.settle()
  await world.evict('lobby')
  await world.restart()
  const ab = await world.connect(second.user, { room: 'lobby' })
  ab.write({ type: 'send', id: second.id, text: 'from a\\0b' })
  await world.settle()
  matchAll(t, ab.frames('ack'), [{ id: second.id, seq: 2 }])
  const again = await world.connect(first.user, { room: 'lobby' })
  again.write({ type: 'send', id: first.id, text: 'from a' })
  await world.settle()
  matchAll(t, again.frames('ack'), [{ id: first.id, seq: 1 }], 'a real resend is still recognised')
  t.equal((await world.host.history('lobby', {})).messages.length, 2)
})
