import t from 'tap'
import { MembershipView } from './membership-view.ts'

const lease = (id: string, version: number) => ({ id, address: `${id}:8788`, rooms: 0, version })

t.test('a peer whose version stops moving for leaseMs of our time is dead', async (t) => {
  const view = new MembershipView('a', 10_000)
  t.same(view.observe([lease('a', 1), lease('b', 1)], 0, true), { joined: ['b'], left: [] })
  t.same(view.ids(), ['a', 'b'])
  t.same(view.observe([lease('a', 2), lease('b', 2)], 5_000, true), { joined: [], left: [] })
  t.same(view.observe([lease('a', 3), lease('b', 2)], 14_999, true), { joined: [], left: [] }, 'still within the lease')
  t.same(view.observe([lease('a', 4), lease('b', 2)], 15_000, true), { joined: [], left: ['b'] })
  t.same(
    view.observe([lease('a', 5), lease('b', 3)], 16_000, true),
    { joined: ['b'], left: [] },
    'back when it renews again',
  )
})

t.test('only our own clock counts: a peer paused and resumed is judged by its version moving', async (t) => {
  const view = new MembershipView('a', 10_000)
  view.observe([lease('a', 1), lease('b', 7)], 1_000, true)
  // We were paused for a minute: at our next look b has renewed many times, so it is alive.
  t.same(view.observe([lease('a', 2), lease('b', 40)], 61_000, true), { joined: [], left: [] })
})

t.test('a leaving peer is out at once, and may join again once its item was removed', async (t) => {
  const view = new MembershipView('a', 10_000)
  view.observe([lease('a', 1), lease('b', 1)], 0, true)
  t.same(view.markLeaving('b'), { joined: [], left: ['b'] })
  t.same(
    view.observe([lease('a', 2), lease('b', 2)], 100, true),
    { joined: [], left: [] },
    'its moving lease does not bring it back',
  )
  view.observe([lease('a', 3)], 200, true)
  t.same(
    view.observe([lease('a', 4), lease('b', 1)], 300, true),
    { joined: ['b'], left: [] },
    'a restart with the same id joins',
  )
})

t.test('without a current lease of our own we count ourselves out', async (t) => {
  const view = new MembershipView('a', 10_000)
  view.observe([lease('a', 1), lease('b', 1)], 0, true)
  t.same(view.observe([lease('a', 1), lease('b', 2)], 2_000, false), { joined: [], left: ['a'] })
  t.notOk(view.has('a'))
  t.same(view.dropSelf(), { joined: [], left: [] })
})
