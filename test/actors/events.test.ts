// The events outbox on virtual time (docs/events.md "Events", docs/guarantees.md): one
// message.created per stored message after its ack and broadcast, in seq order, `offline` from
// the owner's presence, the cursor written in coalesced steps, retries that never block the
// room, bounded memory while the queue is down, and nothing lost across a crash or a handoff.
import t from 'tap'
import { createWorld, EventRecorder, MemoryStore } from '../../actors/testing.ts'

const sendMany = (client: { write(f: object): void }, n: number, from = 0, room?: string) => {
  for (let i = from; i < from + n; i++)
    client.write({ type: 'send', id: `k${i}`, text: `m${i}`, ...(room ? { room } : {}) })
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

t.test('one event per stored message, after its ack and broadcast, with the contract fields', async (t) => {
  const events = new EventRecorder()
  events.hold()
  const world = await createWorld({ events })
  const ann = await world.connect('ann', { room: 'GUILD#g' }).catch(() => undefined)
  t.equal(ann, undefined, 'not a guild member yet')
  await world.store.putGuildMember('g', 'ann')
  const member = await world.connect('ann', { room: 'GUILD#g' })
  member.write({ type: 'send', id: 'k1', text: 'hello' })
  await world.settle()
  t.equal(member.frames('ack').length, 1, 'acked before the publish')
  t.equal(events.pending, 0, 'a lone event lingers for company (eventsLingerMs)')
  const stored = world.clock.now()
  await world.advance(200)
  t.equal(events.pending, 1, 'then goes out, hanging')
  events.release()
  await world.settle()
  t.same(events.accepted, [
    {
      type: 'message.created',
      room: 'GUILD#g',
      roomType: 'guild',
      guildId: 'g',
      seq: 1,
      messageId: member.last('ack')!.messageId,
      senderId: 'ann',
      ts: stored,
      text: 'hello',
      offline: [],
    },
  ])
})

t.test('offline: members of a private room other than the sender with no live connection', async (t) => {
  const events = new EventRecorder()
  const world = await createWorld({ events, autoCreateRooms: false })
  await world.admin.putRoom('team', 'private')
  for (const u of ['ann', 'bob', 'cat', 'dan']) await world.admin.putRoomMember('team', u)
  const ann = await world.connect('ann', { room: 'team' })
  const bob = await world.connect('bob', { room: 'team' })
  ann.write({ type: 'send', id: 'k1', text: 'one' })
  await world.settle()
  await bob.disconnect()
  ann.write({ type: 'send', id: 'k2', text: 'two' })
  await world.advance(200)
  t.same(
    events.accepted.map((e) => e.offline),
    [
      ['cat', 'dan'],
      ['bob', 'cat', 'dan'],
    ],
    'bob was connected for the first message only; the sender is never listed',
  )
  await world.admin.putRoom('lobby', 'public')
  const pub = await world.connect('ann', { room: 'lobby' })
  pub.write({ type: 'send', id: 'k3', text: 'three' })
  await world.advance(200)
  t.same(events.accepted.at(-1)?.offline, [], 'empty for a public room')
})

t.test('offline is capped at eventsMaxMembers members, and says so', async (t) => {
  const events = new EventRecorder()
  const world = await createWorld({ events, autoCreateRooms: false, limits: { eventsMaxMembers: 3 } })
  await world.admin.putRoom('big', 'private')
  for (const u of ['a', 'b', 'c', 'd', 'e']) await world.admin.putRoomMember('big', u)
  const a = await world.connect('a', { room: 'big' })
  a.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.advance(200)
  t.match(events.accepted[0], { offline: ['b', 'c'], offlineTruncated: true })
})

t.test('the cursor is written in coalesced steps, not once per message', async (t) => {
  const events = new EventRecorder()
  const memory = new MemoryStore()
  const limits = { sendBurst: 1000, userSendBurst: 1000, frameBurst: 1000 }
  const world = await createWorld({ events, store: memory, limits })
  const ann = await world.connect('ann', { room: 'lobby' })
  for (let i = 0; i < 25; i++) {
    sendMany(ann, 10, i * 10)
    await world.advance(250)
  }
  t.same(events.seqs('lobby'), range(1, 250), 'every event, in seq order')
  const during = memory.calls.get('advanceEventsCursor') ?? 0
  t.ok(during <= 3, `at most one cursor write per 100 seqs while busy (${during} for 250 messages)`)
  t.ok((await memory.getEventsCursor('lobby')) >= 200)
  await world.advance(1_000)
  t.equal(await memory.getEventsCursor('lobby'), 250, 'written once the room is quiet')
  t.ok(events.calls.length <= 25 + 2, `a call per round of 10 (${events.calls.length} calls for 250 events)`)
  t.equal(memory.calls.get('advanceEventsCursor'), during + 1)
})

t.test('an unreachable queue: the room keeps serving, memory stays bounded, nothing is lost', async (t) => {
  const events = new EventRecorder()
  const world = await createWorld({
    events,
    metrics: true,
    limits: { sendBurst: 1000, userSendBurst: 1000, eventsMaxHeldPerRoom: 50 },
  })
  const ann = await world.connect('ann', { room: 'lobby' })
  events.goDown()
  const held: number[] = []
  for (let i = 0; i < 20; i++) {
    sendMany(ann, 10, i * 10)
    await world.advance(500)
    held.push(world.host.events!.budget.held)
  }
  t.equal(ann.frames('ack').length, 200, 'every send acked while the queue is down')
  const cap = 50 * (3 * 4 + 256)
  t.ok(Math.max(...held) <= cap, `bytes held never exceed the per-room cap (max ${Math.max(...held)} <= ${cap})`)
  t.equal(world.metrics!.sum('guildhall.events.backlog'), 200, 'the backlog metric counts what is unpublished')
  const calls = events.calls.length
  t.ok(calls < 40, `retries back off (${calls} attempts in 10 s)`)
  events.up()
  await world.advance(30_000)
  t.same(events.seqs('lobby'), range(1, 200), 'all published in seq order once the queue is back, from the store')
  t.equal(world.host.events!.budget.held, 0, 'memory given back')
  t.equal(world.metrics!.sum('guildhall.events.backlog'), 0)
  t.equal(world.metrics!.sum('guildhall.events.published'), 200)
})

t.test('the node-wide cap bounds memory across rooms', async (t) => {
  const events = new EventRecorder()
  const world = await createWorld({
    events,
    limits: { sendBurst: 1000, userSendBurst: 1000, eventsMaxHeldBytes: 10 * 270 },
  })
  events.goDown()
  const clients = await Promise.all(['r1', 'r2', 'r3'].map((room) => world.connect('ann', { room })))
  let max = 0
  for (let i = 0; i < 5; i++) {
    for (const c of clients) sendMany(c, 5, i * 5)
    await world.advance(200)
    max = Math.max(max, world.host.events!.budget.held)
  }
  t.ok(max <= 10 * 270, `held ${max} bytes at most`)
  events.up()
  await world.advance(30_000)
  for (const room of ['r1', 'r2', 'r3']) t.same(events.seqs(room), range(1, 25), `${room}: all of them`)
})

t.test('a partial accept publishes the rest again, in order, with no gap', async (t) => {
  const events = new EventRecorder()
  const world = await createWorld({ events, limits: { sendBurst: 100 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  events.hold()
  sendMany(ann, 1)
  await world.settle()
  sendMany(ann, 9, 1)
  await world.settle()
  events.acceptOnly(0)
  events.release()
  await world.settle()
  events.acceptOnly(4)
  await world.advance(1_000)
  t.same(events.seqs('lobby'), range(1, 10))
})

t.test('a crash between the store write and the publish: the next activation publishes it', async (t) => {
  const memory = new MemoryStore()
  const lost = new EventRecorder()
  lost.hold()
  const first = await createWorld({ events: lost, store: memory, limits: { sendBurst: 100 } })
  const ann = await first.connect('ann', { room: 'lobby' })
  sendMany(ann, 5)
  await first.settle()
  t.equal(ann.frames('ack').length, 5, 'stored and acked')
  t.same(lost.accepted, [], 'but never published: the process dies here (nothing drains)')

  const events = new EventRecorder()
  const second = await createWorld({ events, store: memory })
  await second.connect('bob', { room: 'lobby' })
  await second.advance(1_000)
  t.same(events.seqs('lobby'), range(1, 5), 'published on activation, from the cursor')
  t.equal(await memory.getEventsCursor('lobby'), 5)
})

t.test('a handoff publishes what it can and the next owner continues from the cursor', async (t) => {
  const events = new EventRecorder()
  const memory = new MemoryStore()
  const world = await createWorld({ events, store: memory, limits: { sendBurst: 100 } })
  const ann = await world.connect('ann')
  ann.write({ type: 'join', room: 'lobby' })
  await world.settle()
  sendMany(ann, 3, 0, 'lobby')
  await world.settle()
  await world.handOff('lobby')
  t.equal(await memory.getEventsCursor('lobby'), 3, 'the cursor written before the room left')
  sendMany(ann, 2, 3, 'lobby')
  await world.advance(1_000)
  t.same(events.seqs('lobby'), range(1, 5), 'each event once, in order, across the move')
})

t.test('a drain with the queue down ends anyway; the events wait in the store', async (t) => {
  const events = new EventRecorder()
  const memory = new MemoryStore()
  const world = await createWorld({ events, store: memory, limits: { sendBurst: 100 } })
  const ann = await world.connect('ann', { room: 'lobby' })
  sendMany(ann, 2)
  await world.advance(200)
  events.goDown()
  sendMany(ann, 3, 2)
  await world.settle()
  await world.restart()
  t.equal(await memory.getEventsCursor('lobby'), 2, 'the cursor says what was published')
  events.up()
  await world.connect('bob', { room: 'lobby' })
  await world.advance(1_000)
  t.same(events.seqs('lobby'), range(1, 5))
})

t.test('a post without a socket (POST /rooms/:roomId/messages) publishes its event like a send', async (t) => {
  const events = new EventRecorder()
  const world = await createWorld({ events })
  await world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'from a backend' })
  await world.host.post('lobby', { senderId: 'bot', id: 'p1', text: 'from a backend' })
  await world.advance(1_000)
  t.match(events.accepted, [{ room: 'lobby', seq: 1, senderId: 'bot', text: 'from a backend' }])
  t.equal(events.accepted.length, 1, 'a repeated id is one message, one event')
})

t.test("offline of a conversation comes from its record's members", async (t) => {
  const events = new EventRecorder()
  const world = await createWorld({ events, autoCreateRooms: false })
  await world.store.createConversation({ roomId: 'c1', members: ['ann', 'bob', 'cat'] })
  const ann = await world.connect('ann', { room: 'c1' })
  await world.connect('cat', { room: 'c1' })
  ann.write({ type: 'send', id: 'k1', text: 'hi' })
  await world.advance(200)
  t.same(events.accepted[0]?.offline, ['bob'])
  t.equal(world.instrumented.inner instanceof MemoryStore, true)
  t.notOk((world.instrumented.inner as MemoryStore).calls.get('listRoomMembers'), 'no member listing read')
})
