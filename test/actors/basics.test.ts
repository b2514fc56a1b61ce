import t from 'tap'
import { ConnectRefusedError, createWorld } from '../../actors/testing.ts'
import { matchAll } from '../support/match-all.ts'

t.test('welcome, send, ack and broadcast', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  matchAll(t, ann.frames(), [
    { type: 'welcome', room: 'lobby', user: 'ann', seq: 0, lastRead: 0, presence: ['ann'], typing: [] },
  ])
  t.notOk('recovered' in ann.frames()[0]!, 'no recovered without since')
  const bob = await world.connect('bob', { room: 'lobby' })
  t.match(bob.last('welcome'), { presence: ['ann', 'bob'] })
  t.match(ann.last('presence'), { room: 'lobby', userId: 'bob', online: true })

  ann.write({ type: 'send', id: 'k1', text: 'hello' })
  await world.settle()
  const ack = ann.last('ack')
  t.match(ack, { type: 'ack', room: 'lobby', id: 'k1', seq: 1 })
  t.match(bob.last('message'), {
    type: 'message',
    room: 'lobby',
    message: { seq: 1, roomId: 'lobby', senderId: 'ann', text: 'hello', id: ack!.messageId },
  })
  t.match(ann.last('message'), { message: { seq: 1 } }, 'the sender gets the message too')
  t.same(Object.keys(bob.last('message')!.message).sort(), ['id', 'roomId', 'senderId', 'seq', 'text', 'ts'])
})

t.test('ping, unknown frames and not-joined frames', async (t) => {
  const world = await createWorld()
  const ann = await world.connect('ann', { room: 'lobby' })
  ann.clear()
  ann.write({ type: 'ping' })
  ann.write('not json')
  ann.write({ type: 'join', room: 'x' })
  await world.settle()
  matchAll(t, ann.frames(), [
    { type: 'pong' },
    { type: 'error', code: 'invalid_frame' },
    { type: 'error', code: 'invalid_frame', room: 'x' },
  ])
  t.equal(ann.closedWith, undefined, 'a refused frame never closes by itself')
})

t.test('unknown rooms and invalid ids are refused before entering', async (t) => {
  const world = await createWorld({ autoCreateRooms: false })
  await t.rejects(world.connect('ann', { room: 'nope' }), new ConnectRefusedError('not_found'))
  await t.rejects(world.connect('ann', { room: 'bad room' }), new ConnectRefusedError('invalid_room'))
  await t.rejects(world.connect('ann', { room: 'GUILD#g1' }), new ConnectRefusedError('forbidden'))
  await world.admin.putGuildMember('g1', 'ann')
  const ann = await world.connect('ann', { room: 'GUILD#g1' })
  t.match(ann.last('welcome'), { room: 'GUILD#g1' })
})
