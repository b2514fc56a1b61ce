import t from 'tap'
import { Announcements } from './announcements.ts'

const revoke = (user: string) => ({ t: 'revoke' as const, room: 'r', user })

t.test('remembered for a while and up to a count, oldest first', async (t) => {
  const a = new Announcements(2, 1_000)
  const [x, y, z] = [revoke('x'), revoke('y'), revoke('z')]
  a.add(x, 0)
  a.add(y, 10)
  t.same(a.all(20), [x, y])
  a.add(z, 30)
  t.same(a.all(30), [y, z], 'past the count the oldest goes')
  t.same(a.all(1_011), [z], 'past the time too')
})

t.test('what a peer missed is tried again once, while still remembered', async (t) => {
  const a = new Announcements(10, 1_000)
  const [x, y] = [revoke('x'), revoke('y')]
  a.add(x, 0)
  a.add(y, 500)
  a.missed('n2', x)
  a.missed('n2', y)
  a.missed('n3', y)
  t.same(a.retries(600), [
    ['n2', [x, y]],
    ['n3', [y]],
  ])
  t.same(a.retries(700), [], 'handed out once: a new miss adds it again')
  a.missed('n2', x)
  a.missed('n2', y)
  t.same(a.retries(1_200), [['n2', [y]]], 'x is forgotten by then')
})
