import t from 'tap'
import { roomName, sortRooms, unreadOf } from './rooms-list.ts'

t.test('unread is seq - lastRead, never below 0', async (t) => {
  t.equal(unreadOf({ room: 'a', seq: 7, lastRead: 4 }), 3)
  t.equal(unreadOf({ room: 'a', seq: 2, lastRead: 4 }), 0)
})

t.test('a conversation is named by its other members', async (t) => {
  t.equal(roomName({ room: 'c1', kind: 'conversation', members: ['alice', 'bob'] }, 'alice'), 'bob')
  t.equal(roomName({ room: 'c2', kind: 'conversation', members: ['a', 'b', 'me'] }, 'me'), 'a, b')
  t.equal(roomName({ room: 'lobby', kind: 'public' }, 'me'), 'lobby')
})

t.test('newest activity first, then by id', async (t) => {
  const sorted = sortRooms([
    { room: 'b', seq: 0, lastRead: 0 },
    { room: 'old', seq: 1, lastRead: 0, lastTs: 10 },
    { room: 'a', seq: 0, lastRead: 0 },
    { room: 'new', seq: 1, lastRead: 0, lastTs: 20 },
  ])
  t.same(
    sorted.map((e) => e.room),
    ['new', 'old', 'a', 'b'],
  )
})
