/**
 * A write that fails after it was applied (a timeout past the commit): the room looks in the
 * store before writing again, so what was stored is given to everyone, once, in order, and
 * never left behind the store's head (found by the cluster simulator, seed 786: the head
 * stayed at 45 while the store held 46, and nobody saw 46).
 */
import t from 'tap'
import { createWorld } from '../../actors/testing.ts'
import { matchAll } from '../support/match-all.ts'

t.test(
  'a write applied but answered with an error: its message reaches everyone, the resend gets the original ack',
  async (t) => {
    const world = await createWorld()
    const ann = await world.connect('ann', { room: 'lobby' })
    const bob = await world.connect('bob', { room: 'lobby' })
    world.faults.failNext(1, 'append', { afterApply: true })
    ann.write({ type: 'send', id: 'k1', text: 'stored after all' })
    await world.settle()
    matchAll(
      t,
      ann.frames('error'),
      [{ code: 'unavailable', ref: 'k1' }],
      'the sender hears unavailable (the outcome was unknown)',
    )
    matchAll(
      t,
      bob.frames('message'),
      [{ message: { seq: 1, text: 'stored after all' } }],
      'found in the store: given to the room',
    )
    ann.write({ type: 'send', id: 'k1', text: 'stored after all' })
    ann.write({ type: 'send', id: 'k2', text: 'next' })
    await world.settle()
    const first = ann.frames('message')[0]!.message as { id: string }
    matchAll(
      t,
      ann.frames('ack'),
      [
        { id: 'k1', seq: 1, messageId: first.id },
        { id: 'k2', seq: 2 },
      ],
      'the resend is answered with the original',
    )
    matchAll(
      t,
      bob.frames('message'),
      [{ message: { seq: 1 } }, { message: { seq: 2, text: 'next' } }],
      'seq 1 once, then 2',
    )
  },
)

t.test(
  'a write that failed before it was applied: nothing is adopted, the next write continues the head',
  async (t) => {
    const world = await createWorld()
    const ann = await world.connect('ann', { room: 'lobby' })
    world.faults.failNext(1, 'append')
    ann.write({ type: 'send', id: 'k1', text: 'lost' })
    await world.settle()
    ann.write({ type: 'send', id: 'k2', text: 'kept' })
    await world.settle()
    matchAll(t, ann.frames('message'), [{ message: { seq: 1, text: 'kept' } }])
  },
)
