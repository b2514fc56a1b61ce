/**
 * The Store port's contract for conversations and "my rooms" (actors/store.ts, docs/storage.md
 * "Conversations and my rooms"): part of `storeContract` (store.ts), so every store passes it.
 */
import type { Test } from 'tap'
import type { RoomHead, Store, StoredMessage } from '../../actors/store.ts'
import type { StoreUnderTest } from './store.ts'

const T0 = 1_700_000_000_000

/** One message in `roomId` with this seq, sent by `senderId`. */
function message(roomId: string, seq: number, senderId = 'alice'): StoredMessage {
  return {
    id: `m-${roomId.replace('#', '_')}-${seq}`,
    seq,
    roomId,
    senderId,
    text: `hello ${seq}`,
    ts: T0 + seq * 10,
    clientId: `c${seq}`,
  }
}

/** Every id of the user's room index, page by page (`limit` a page). */
async function allUserRooms(store: Store, userId: string, limit = 100): Promise<string[]> {
  const ids: string[] = []
  let after: string | undefined
  for (let pages = 0; pages < 100; pages++) {
    const page = await store.listUserRooms(userId, { limit, ...(after !== undefined && { after }) })
    ids.push(...page.ids)
    after = page.next
    if (after === undefined) break
  }
  return ids
}

const users = (n: number): string[] => Array.from({ length: n }, (_, i) => `u${String(i).padStart(2, '0')}`)

export function conversationContract(t: Test, name: string, makeStore: () => Promise<StoreUnderTest>): void {
  /** One contract case on a fresh store, cleaned up whatever happens. */
  const check = (title: string, fn: (store: Store, sut: StoreUnderTest, t: Test) => Promise<void>) =>
    t.test(`${name}: ${title}`, async (t) => {
      const sut = await makeStore()
      t.teardown(sut.cleanup)
      await fn(sut.store, sut, t)
    })

  check('conversations: a pair has one room, whichever side asks', async (store, _, t) => {
    t.same(await store.createConversation({ roomId: 'c1', members: ['bob', 'alice'] }), {
      roomId: 'c1',
      created: true,
    })
    t.same(
      await store.createConversation({ roomId: 'c2', members: ['alice', 'bob'] }),
      { roomId: 'c1', created: false },
      'asked again by the other side: the same room',
    )
    t.same(await store.createConversation({ roomId: 'c3', members: ['bob', 'alice'] }), {
      roomId: 'c1',
      created: false,
    })
    t.equal(await store.getRoom('c2'), undefined, 'nothing written for the second asking')
    t.same(await store.getRoom('c1'), {
      roomId: 'c1',
      visibility: 'private',
      kind: 'conversation',
      members: ['alice', 'bob'],
    })
    t.equal(await store.isRoomMember('c1', 'alice'), true)
    t.equal(await store.isRoomMember('c1', 'bob'), true)
    t.equal(await store.isRoomMember('c1', 'carol'), false)
    t.same(await store.listRoomMembers('c1', { limit: 10 }), { members: ['alice', 'bob'] })
    t.same(await store.listUserRooms('alice', { limit: 10 }), { ids: ['c1'] })
    t.same(await store.listUserRooms('bob', { limit: 10 }), { ids: ['c1'] })
    t.same(await store.listUserRooms('carol', { limit: 10 }), { ids: [] })
    t.same(
      await store.createConversation({ roomId: 'c4', members: ['alice', 'carol'] }),
      { roomId: 'c4', created: true },
      'another pair, another room',
    )
  })

  check('conversations: two concurrent creations of a pair get one room', async (store, _, t) => {
    const answers = await Promise.all([
      store.createConversation({ roomId: 'x1', members: ['alice', 'bob'] }),
      store.createConversation({ roomId: 'x2', members: ['bob', 'alice'] }),
      store.createConversation({ roomId: 'x3', members: ['alice', 'bob'] }),
    ])
    const rooms = new Set(answers.map((a) => a.roomId))
    t.equal(rooms.size, 1, 'one room for all of them')
    t.equal(answers.filter((a) => a.created).length, 1, 'exactly one created it')
    const [room] = rooms
    for (const other of ['x1', 'x2', 'x3'].filter((r) => r !== room)) {
      t.equal(await store.getRoom(other), undefined, `${other} not made`)
      t.equal(await store.isRoomMember(other, 'alice'), false)
    }
    t.same(await allUserRooms(store, 'alice'), [room])
    t.same(await allUserRooms(store, 'bob'), [room])
  })

  check('conversations: groups are new each time; a pair inside one is not the pair', async (store, _, t) => {
    t.same(await store.createConversation({ roomId: 'g1', members: ['carol', 'alice', 'bob'] }), {
      roomId: 'g1',
      created: true,
    })
    t.same(await store.createConversation({ roomId: 'g2', members: ['alice', 'bob', 'carol'] }), {
      roomId: 'g2',
      created: true,
    })
    t.same((await store.getRoom('g2'))?.members, ['alice', 'bob', 'carol'], 'members in code point order')
    t.same(
      await store.createConversation({ roomId: 'p1', members: ['alice', 'bob'] }),
      { roomId: 'p1', created: true },
      'the pair is its own room',
    )
    t.same(await allUserRooms(store, 'alice'), ['g1', 'g2', 'p1'])
    t.same(await allUserRooms(store, 'carol'), ['g1', 'g2'])
    await t.rejects(
      store.createConversation({ roomId: 'g1', members: ['dave', 'erin', 'frank'] }),
      'a room id already taken is refused',
    )
    t.same((await store.getRoom('g1'))?.members, ['alice', 'bob', 'carol'], 'the taken room unchanged')
    t.equal(await store.isRoomMember('g1', 'dave'), false, 'no member added to it')
    t.same(await allUserRooms(store, 'dave'), [])
  })

  check('conversations: 50 members, all members and all indexed', async (store, _, t) => {
    const members = users(50)
    t.same(await store.createConversation({ roomId: 'big', members: [...members].reverse() }), {
      roomId: 'big',
      created: true,
    })
    t.same((await store.getRoom('big'))?.members, members)
    t.same((await store.listRoomMembers('big', { limit: 100 })).members, members)
    for (const userId of [members[0]!, members[24]!, members[49]!]) {
      t.equal(await store.isRoomMember('big', userId), true, `${userId} is a member`)
      t.same(await allUserRooms(store, userId), ['big'], `${userId} has it in the index`)
    }
  })

  check('conversations: the pair key is unambiguous', async (store, _, t) => {
    const a = await store.createConversation({ roomId: 'k1', members: ['a#b', 'c'] })
    const b = await store.createConversation({ roomId: 'k2', members: ['a', 'b#c'] })
    const c = await store.createConversation({ roomId: 'k3', members: ['a%23b', 'c'] })
    const d = await store.createConversation({ roomId: 'k4', members: ['a', 'b%23c'] })
    t.same(
      [a, b, c, d].map((x) => x.created),
      [true, true, true, true],
      'four pairs, four rooms',
    )
    t.same(await store.createConversation({ roomId: 'k5', members: ['c', 'a#b'] }), { roomId: 'k1', created: false })
  })

  check('conversations: kind and members survive closeRoom, putRoom and a reopen', async (first, sut, t) => {
    await first.createConversation({ roomId: 'c1', members: ['alice', 'bob'] })
    await first.createConversation({ roomId: 'g1', members: ['alice', 'bob', 'carol'] })
    t.equal(await first.closeRoom('c1'), true)
    t.same(await first.getRoom('c1'), {
      roomId: 'c1',
      visibility: 'private',
      closed: true,
      kind: 'conversation',
      members: ['alice', 'bob'],
    })
    t.equal(await first.putRoom({ roomId: 'c1', visibility: 'private' }), false, 'reopened')
    await first.close()
    const store = await sut.reopen()
    t.same(await store.getRoom('c1'), {
      roomId: 'c1',
      visibility: 'private',
      kind: 'conversation',
      members: ['alice', 'bob'],
    })
    t.same(await store.createConversation({ roomId: 'c9', members: ['bob', 'alice'] }), {
      roomId: 'c1',
      created: false,
    })
    t.same(await allUserRooms(store, 'carol'), ['g1'])
    t.equal(await store.isRoomMember('g1', 'carol'), true)
  })

  check('user room index: private memberships and first read markers of general rooms', async (store, _, t) => {
    await store.putRoom({ roomId: 'secret', visibility: 'private' })
    await store.putRoomMember('secret', 'alice')
    await store.putRoomMember('secret', 'alice')
    t.same(await allUserRooms(store, 'alice'), ['secret'])
    t.equal(await store.advanceReadMarker('lobby', 'alice', 3), 3)
    t.equal(await store.advanceReadMarker('lobby', 'alice', 5), 5)
    t.equal(await store.advanceReadMarker('lobby', 'alice', 4), 5)
    t.equal(await store.advanceReadMarker('GUILD#g', 'alice', 2), 2)
    t.same(await allUserRooms(store, 'alice'), ['lobby', 'secret'], 'no guild room in it')
    t.same(await allUserRooms(store, 'bob'), [], 'per user')
    t.equal(await store.deleteRoomMember('secret', 'alice'), true)
    t.same(await allUserRooms(store, 'alice'), ['lobby'], 'a removed member loses it')
    t.equal(await store.deleteRoomMember('secret', 'alice'), false)
    await store.putRoomMember('GUILD#g', 'carol')
    t.same(await allUserRooms(store, 'carol'), [], 'guild rooms are found from guild memberships instead')
  })

  check('user room index: paged in code point order', async (store, _, t) => {
    const rooms = ['r-b', 'r_a', 'R9', 'r0', 'zz', 'a-', 'A_']
    for (const roomId of rooms) await store.putRoomMember(roomId, 'alice')
    await store.putRoomMember('other', 'bob')
    const order = ['A_', 'R9', 'a-', 'r-b', 'r0', 'r_a', 'zz']
    t.same(await store.listUserRooms('alice', { limit: 100 }), { ids: order }, 'one page: no next')
    t.same(await allUserRooms(store, 'alice', 3), order, 'pages of 3, each once, in order')
    t.same(await store.listUserRooms('alice', { limit: 2 }), { ids: ['A_', 'R9'], next: 'R9' })
    t.same(await store.listUserRooms('alice', { limit: 7 }), { ids: order }, 'exactly all: no next')
    t.same(await store.listUserRooms('alice', { limit: 10, after: 'r0' }), { ids: ['r_a', 'zz'] })
  })

  check('user guilds: per user, paged, and gone when the membership is', async (store, _, t) => {
    for (const guildId of ['g2', 'G1', 'g1', 'h']) await store.putGuildMember(guildId, 'alice')
    await store.putGuildMember('g1', 'bob')
    await store.putRoomMember('lobby', 'alice')
    t.same(await store.listUserGuilds('alice', { limit: 10 }), { ids: ['G1', 'g1', 'g2', 'h'] })
    t.same(await store.listUserGuilds('alice', { limit: 2 }), { ids: ['G1', 'g1'], next: 'g1' })
    t.same(await store.listUserGuilds('alice', { limit: 2, after: 'g1' }), { ids: ['g2', 'h'] })
    t.same(await store.listUserGuilds('bob', { limit: 10 }), { ids: ['g1'] })
    t.same(await store.listUserGuilds('carol', { limit: 10 }), { ids: [] })
    await store.deleteGuildMember('g2', 'alice')
    t.same(await store.listUserGuilds('alice', { limit: 10 }), { ids: ['G1', 'g1', 'h'] })
  })

  check('batch reads: heads, records, last messages, markers, memberships', async (store, _, t) => {
    await store.append('lobby', 0, [message('lobby', 1), message('lobby', 2)])
    await store.append('lobby', 2, [message('lobby', 3, 'bob')])
    await store.append('GUILD#g', 0, [message('GUILD#g', 1)])
    await store.putRoom({ roomId: 'lobby', visibility: 'public' })
    await store.putRoom({ roomId: 'quiet', visibility: 'private' })
    await store.createConversation({ roomId: 'c1', members: ['alice', 'bob'] })
    await store.putRoomMember('quiet', 'alice')
    await store.advanceReadMarker('lobby', 'alice', 2)
    await store.advanceReadMarker('GUILD#g', 'alice', 1)
    const asked = ['lobby', 'GUILD#g', 'quiet', 'c1', 'nowhere', 'lobby']

    const heads = await store.roomHeads(asked)
    t.same(
      Object.fromEntries(heads),
      {
        lobby: { seq: 3, lastTs: T0 + 30, lastId: 'm-lobby-3' },
        'GUILD#g': { seq: 1, lastTs: T0 + 10, lastId: 'm-GUILD_g-1' },
      },
      'rooms with messages only; a room asked twice answered once',
    )
    const last = await store.lastMessages(heads)
    t.same(Object.fromEntries(last), { lobby: message('lobby', 3, 'bob'), 'GUILD#g': message('GUILD#g', 1) })
    const records = await store.roomRecords(asked)
    t.same([...records.keys()].sort(), ['c1', 'lobby', 'quiet'])
    t.same(records.get('c1'), { roomId: 'c1', visibility: 'private', kind: 'conversation', members: ['alice', 'bob'] })
    t.same(records.get('lobby'), { roomId: 'lobby', visibility: 'public' })
    t.same(Object.fromEntries(await store.readMarkersOf('alice', asked)), { lobby: 2, 'GUILD#g': 1 })
    t.same(Object.fromEntries(await store.readMarkersOf('bob', asked)), {})
    t.same([...(await store.membershipsOf('alice', asked))].sort(), ['c1', 'quiet'])
    t.same([...(await store.membershipsOf('bob', asked))], ['c1'])
    t.same(await store.roomHeads([]), new Map())
    t.same(await store.lastMessages(new Map()), new Map())
    t.same(await store.roomRecords([]), new Map())
    t.same(await store.readMarkersOf('alice', []), new Map())
    t.same(await store.membershipsOf('alice', []), new Set())
    const made = new Map<string, RoomHead>([['nowhere', { seq: 1, lastTs: T0, lastId: 'gone' }]])
    t.same(await store.lastMessages(made), new Map(), 'a last message no longer stored is absent')
  })

  check('batch reads: more rooms than one batch takes', async (store, _, t) => {
    const rooms = Array.from({ length: 130 }, (_, i) => `room${String(i).padStart(3, '0')}`)
    for (const [i, roomId] of rooms.entries()) {
      await store.append(roomId, 0, [message(roomId, 1)])
      if (i % 2 === 0) await store.advanceReadMarker(roomId, 'alice', 1)
      if (i % 3 === 0) await store.putRoomMember(roomId, 'alice')
      if (i % 5 === 0) await store.putRoom({ roomId, visibility: 'public' })
    }
    const heads = await store.roomHeads(rooms)
    t.equal(heads.size, 130)
    t.same(heads.get('room129'), { seq: 1, lastTs: T0 + 10, lastId: 'm-room129-1' })
    const last = await store.lastMessages(heads)
    t.equal(last.size, 130)
    t.same(last.get('room077'), message('room077', 1))
    t.equal((await store.readMarkersOf('alice', rooms)).size, 65)
    t.equal((await store.membershipsOf('alice', rooms)).size, 44)
    t.equal((await store.roomRecords(rooms)).size, 26)
    t.equal((await allUserRooms(store, 'alice', 100)).length, 65 + 44 - 22, 'markers and memberships, once each')
  })
}
