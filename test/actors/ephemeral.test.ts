// Typing, presence, rate limiting, refusals: the room's ephemeral rules on virtual time.
import t from 'tap'
import { createWorld } from '../../actors/testing.ts'
import { matchAll } from '../support/match-all.ts'

t.test('typing: never echoed, expires after 10 s, throttled to one active:true per 2 s', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  ann.write({ type: 'typing', active: true })
  await world.settle()
  matchAll(t, bob.frames('typing'), [{ room: 'lobby', userId: 'ann', active: true }])
  t.equal(ann.frames('typing').length, 0, 'never echoed to its sender')

  await world.advance(1000)
  ann.write({ type: 'typing', active: true })
  await world.settle()
  t.equal(bob.frames('typing').length, 1, 'a refresh within 2 s is not broadcast')

  const late = await world.connect('cyd', { room: 'lobby' })
  t.same(late.last('welcome')!.typing, ['ann'], 'welcome lists who is typing')

  await world.advance(1000)
  ann.write({ type: 'typing', active: true })
  await world.settle()
  t.equal(bob.frames('typing').length, 2, 'after 2 s the next active:true goes out')

  await world.advance(9_999)
  t.equal(bob.frames('typing').filter((f) => !f.active).length, 0, 'not yet expired at 9.999 s after the refresh')
  await world.advance(1)
  t.match(bob.last('typing'), { userId: 'ann', active: false }, 'expired 10 s after the last refresh')
})

t.test('typing: active:false goes out at once, and only once', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  ann.write({ type: 'typing', active: true })
  ann.write({ type: 'typing', active: false })
  ann.write({ type: 'typing', active: false })
  await world.settle()
  t.same(
    bob.frames('typing').map((f) => f.active),
    [true, false],
  )
  await world.advance(20_000)
  t.equal(bob.frames('typing').length, 2, 'no expiry after a stop')
})

t.test('typing stops when the typist leaves', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  ann.write({ type: 'typing', active: true })
  await world.settle()
  await ann.disconnect()
  t.same(
    bob.frames('typing').map((f) => f.active),
    [true, false],
    'typing stops at once',
  )
  await world.advance(world.host.limits.presenceGraceMs)
  t.match(bob.last('presence'), { userId: 'ann', online: false }, 'presence ends after the grace')
})

t.test('presence counts users, not sockets', async (t) => {
  const world = await createWorld()
  const bob = await world.connect('bob', { room: 'lobby' })
  const tab1 = await world.connect('ann', { room: 'lobby' })
  const tab2 = await world.connect('ann', { room: 'lobby' })
  t.equal(bob.frames('presence').length, 1, 'the second tab does not announce ann again')
  t.same(tab2.last('welcome')!.presence, ['bob', 'ann'])
  await tab1.disconnect()
  t.equal(bob.frames('presence').length, 1, 'closing one tab keeps ann online')
  await tab2.disconnect()
  await world.advance(world.host.limits.presenceGraceMs)
  t.match(bob.last('presence'), { userId: 'ann', online: false })
})

t.test('rate limiting: burst 10, then 5 per second, with retryAfterMs', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  for (let i = 0; i < 11; i++) ann.write({ type: 'send', id: `k${i}`, text: 'x' })
  await world.settle()
  t.equal(ann.frames('ack').length, 10)
  matchAll(t, ann.frames('error'), [{ code: 'rate_limited', ref: 'k10', room: 'lobby', retryAfterMs: 200 }])
  await world.advance(199)
  ann.write({ type: 'send', id: 'k10', text: 'x' })
  await world.settle()
  t.equal(ann.frames('error').length, 2, 'still limited 1 ms early')
  await world.advance(1)
  ann.write({ type: 'send', id: 'k10', text: 'x' })
  await world.settle()
  t.equal(ann.frames('ack').length, 11, 'a token after 200 ms')
  const bob = await world.connect('bob', { room: 'lobby' })
  bob.write({ type: 'send', id: 'b1', text: 'x' })
  await world.settle()
  t.equal(bob.frames('ack').length, 1, 'the bucket is per user')
  t.equal(ann.closedWith, undefined, 'rate limiting does not count toward the flood limit')
})

t.test('a repeated send uses no token and gets the original ack', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  for (let i = 0; i < 10; i++) ann.write({ type: 'send', id: `k${i}`, text: 'x' })
  await world.settle()
  ann.write({ type: 'send', id: 'k3', text: 'x' })
  await world.settle()
  t.same(ann.last('ack'), ann.frames('ack')[3], 'the same ack again')
  t.equal(ann.frames('error').length, 0, 'not rate limited: a duplicate uses no token')
  t.equal(ann.frames('message').length, 10, 'nothing new stored or broadcast')
})

t.test('text limits: too_long in code points, empty refused, nothing stored', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'ok', text: '😀'.repeat(4000) })
  ann.write({ type: 'send', id: 'long', text: 'x'.repeat(4001) })
  ann.write({ type: 'send', id: 'empty', text: '' })
  await world.settle()
  matchAll(t, ann.frames('ack'), [{ id: 'ok', seq: 1 }])
  matchAll(t, ann.frames('error'), [
    { code: 'too_long', ref: 'long' },
    { code: 'invalid_frame', ref: 'empty' },
  ])
})

t.test('a flood of refused frames closes with 1008; rate limiting does not count', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  for (let i = 0; i < 50; i++) ann.write('garbage')
  await world.settle()
  t.equal(ann.closedWith, undefined, '50 refusals in 10 s are tolerated')
  await world.advance(10_000)
  for (let i = 0; i < 50; i++) ann.write({ type: 'nope' })
  await world.settle()
  t.equal(ann.closedWith, undefined, 'the window slides')
  ann.write({ type: 'read', seq: -1 })
  await world.settle()
  t.match(ann.closedWith, { code: 1008 })
  const bob = await world.connect('bob', { room: 'lobby' })
  for (let i = 0; i < 100; i++) bob.write({ type: 'send', id: `k${i}`, text: 'x' })
  await world.settle()
  t.equal(bob.closedWith, undefined)
  t.equal(bob.frames('error').length, 90)
})

t.test('typing again right after a stop: announced when the throttle allows, observers agree', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  const bob = await world.connect('bob', { room: 'lobby' })
  ann.write({ type: 'typing', active: true })
  ann.write({ type: 'typing', active: false })
  await world.advance(500)
  ann.write({ type: 'typing', active: true })
  await world.settle()
  t.same(
    bob.frames('typing').map((f) => f.active),
    [true, false],
    'held back within 2 s',
  )
  const cyd = await world.connect('cyd', { room: 'lobby' })
  t.same(cyd.last('welcome')!.typing, [], 'welcome agrees with what bob was told')
  await world.advance(1500)
  t.same(
    bob.frames('typing').map((f) => f.active),
    [true, false, true],
    'announced 2 s after the last active:true',
  )
  t.match(cyd.last('typing'), { userId: 'ann', active: true })
  await world.advance(10_000)
  t.same(
    bob.frames('typing').map((f) => f.active),
    [true, false, true, false],
    'and expires like any other',
  )
})
