// Presence flapping coalesced (issue 8 item 3): a user is announced offline only after
// presenceGraceMs without a connection, and one back within it announces nothing.
import t from 'tap'
import { createWorld } from '../../actors/testing.ts'
import { matchAll } from '../support/match-all.ts'

t.test('a user who leaves and comes back within the grace announces nothing', async (t) => {
  const world = await createWorld()
  const grace = world.host.limits.presenceGraceMs
  const bob = await world.connect('bob', { room: 'lobby' })
  const ann = await world.connect('ann', { room: 'lobby' })
  matchAll(t, bob.frames('presence'), [{ userId: 'ann', online: true }])
  await ann.disconnect()
  await world.advance(grace - 1)
  const cyd = await world.connect('cyd', { room: 'lobby' })
  t.same(cyd.last('welcome')!.presence.sort(), ['ann', 'bob', 'cyd'], 'in grace, ann still counts as present')
  const back = await world.connect('ann', { room: 'lobby' })
  await world.advance(grace * 2)
  t.same(
    bob.frames('presence').map((f) => [f.userId, f.online]),
    [
      ['ann', true],
      ['cyd', true],
    ],
    'neither offline nor online for ann',
  )
  t.same(cyd.frames('presence'), [], 'cyd was told nothing about ann either')
  t.same(back.last('welcome')!.presence.sort(), ['ann', 'bob', 'cyd'])

  await back.disconnect()
  await world.advance(grace - 1)
  t.equal(bob.frames('presence').length, 2, 'not yet offline 1 ms before the grace ends')
  await world.advance(1)
  t.match(bob.last('presence'), { userId: 'ann', online: false }, 'offline when it ends')
  const dan = await world.connect('dan', { room: 'lobby' })
  t.same(dan.last('welcome')!.presence.sort(), ['bob', 'cyd', 'dan'])
})

t.test('500 join/leave pairs in a room of 50 listeners: a bounded number of presence frames', async (t) => {
  const listeners = 50
  // The join rate is lifted here to show that coalescing alone bounds the frames.
  const world = await createWorld({ limits: { joinBurst: 100_000, frameBurst: 100_000 } })
  const others = []
  for (let i = 0; i < listeners; i++) others.push(await world.connect(`l${i}`, { room: 'lobby' }))
  for (const o of others) o.clear()
  const ann = await world.connect('ann')
  for (let i = 0; i < 500; i++) {
    ann.write({ type: 'join', room: 'lobby' })
    ann.write({ type: 'leave', room: 'lobby' })
  }
  await world.settle()
  await world.advance(world.host.limits.presenceGraceMs)
  const frames = others.reduce((n, o) => n + o.frames('presence').length, 0)
  t.equal(ann.frames('welcome').length, 500)
  t.equal(frames, 2 * listeners, `${frames} presence frames: ann online once and offline once, for each listener`)
  t.same(
    others[0]!.frames('presence').map((f) => f.online),
    [true, false],
  )
})

t.test('with the default join rate, join/leave churn is refused after joinBurst frames', async (t) => {
  const world = await createWorld()
  const { joinBurst, joinsPerSecond } = world.host.limits
  const bob = await world.connect('bob', { room: 'lobby' })
  const ann = await world.connect('ann')
  for (let i = 0; i < 100; i++) ann.write({ type: i % 2 ? 'leave' : 'join', room: 'lobby' })
  await world.settle()
  t.equal(ann.frames('welcome').length, joinBurst / 2, 'joins and leaves share one bucket')
  t.equal(
    ann
      .frames('error')
      .filter((f) => f.code === 'rate_limited' && f.room === 'lobby' && f.retryAfterMs === 1000 / joinsPerSecond)
      .length,
    100 - joinBurst,
  )
  await world.advance(world.host.limits.presenceGraceMs)
  t.same(
    bob.frames('presence').map((f) => f.online),
    [true, false],
    'one online, one offline',
  )
})

t.test('a revoked member is announced offline at once, also from its grace', async (t) => {
  const world = await createWorld()
  await world.admin.putGuildMember('g', 'ann')
  await world.admin.putGuildMember('g', 'eve')
  await world.admin.putGuildMember('g', 'bob')
  const bob = await world.connect('bob', { room: 'GUILD#g' })
  await world.connect('ann', { room: 'GUILD#g' })
  const eve = await world.connect('eve', { room: 'GUILD#g' })
  bob.clear()
  await world.admin.deleteGuildMember('g', 'ann')
  await world.settle()
  matchAll(t, bob.frames('presence'), [{ userId: 'ann', online: false }], 'no grace for a revoked member')
  await eve.disconnect()
  t.equal(bob.frames('presence').length, 1, 'eve is in her grace')
  await world.admin.deleteGuildMember('g', 'eve')
  await world.settle()
  t.match(bob.frames('presence').at(-1), { userId: 'eve', online: false }, 'revoked while in grace: offline at once')
  await world.advance(world.host.limits.presenceGraceMs)
  t.equal(bob.frames('presence').length, 2, 'and not announced again when the grace would have ended')
})

t.test('users in grace do not keep an actor alive, and eviction loses nothing', async (t) => {
  const world = await createWorld()
  const { idleEvictMs } = world.host.limits
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.write({ type: 'send', id: 'k', text: 'kept' })
  await world.settle()
  await ann.disconnect()
  await world.advance(idleEvictMs)
  t.notOk(world.isActive('lobby'), 'evicted idleEvictMs after the last connection left')
  const back = await world.connect('ann', { room: 'lobby', since: 0 })
  matchAll(t, back.frames(), [
    { type: 'welcome', presence: ['ann'], seq: 1 },
    { type: 'message', message: { text: 'kept' } },
  ])
})
