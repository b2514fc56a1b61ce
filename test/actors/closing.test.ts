// Closing a room (admin): everyone leaves, nobody enters, history stays; reopening.
import t from 'tap'
import { ConnectRefusedError, createWorld } from '../../actors/testing.ts'
import { matchAll } from '../support/match-all.ts'

t.test('a closed room: 4404 on a room socket, left on /ws (open for its other rooms), history kept', async (t) => {
  const world = await createWorld()
  await world.admin.putRoom('hall', 'public')
  const ann = await world.connect('ann', { room: 'hall' })
  const mux = await world.connect('bob')
  mux.write({ type: 'join', room: 'hall' })
  mux.write({ type: 'join', room: 'lobby' })
  ann.write({ type: 'send', id: 'k1', text: 'before the close' })
  await world.settle()
  t.match(ann.last('ack'), { id: 'k1', seq: 1 })

  t.equal(await world.admin.closeRoom('hall'), true)
  await world.settle()
  t.match(ann.closedWith, { code: 4404 })
  t.match(mux.last('left'), { room: 'hall', reason: 'closed' })
  t.equal(mux.closedWith, undefined, '/ws stays open')
  mux.write({ type: 'send', id: 'k2', text: 'x', room: 'hall' })
  mux.write({ type: 'send', id: 'k2', text: 'x', room: 'lobby' })
  await world.settle()
  t.match(mux.last('error'), { code: 'not_joined', room: 'hall' })
  t.match(mux.last('ack'), { room: 'lobby' }, 'its other room still works')

  mux.clear()
  mux.write({ type: 'join', room: 'hall' })
  await world.settle()
  matchAll(t, mux.frames(), [{ type: 'error', code: 'not_found', room: 'hall', message: 'this room is closed' }])
  await t.rejects(world.connect('cyd', { room: 'hall' }), new ConnectRefusedError('not_found'))
  t.same(await world.host.authorizeOrCreate('hall', 'cyd', 'read'), {
    ok: false,
    code: 'not_found',
    message: 'this room is closed',
  })
  t.match(await world.store.getRoom('hall'), { closed: true }, 'entering did not create it again')

  t.equal(await world.admin.putRoom('hall', 'public'), false, 'reopened, not created')
  const back = await world.connect('ann', { room: 'hall', since: 0 })
  matchAll(t, back.frames('message'), [{ message: { seq: 1, text: 'before the close' } }], 'history kept')
  t.equal(await world.admin.closeRoom('nowhere'), false, 'no such room')
  t.equal(await world.store.getRoom('nowhere'), undefined)
})

t.test('a join whose access check began before the close is refused', async (t) => {
  const world = await createWorld()
  await world.admin.putRoom('hall', 'private')
  await world.admin.putRoomMember('hall', 'ann')
  const mux = await world.connect('ann')
  const release = world.faults.stall('isRoomMember')
  mux.write({ type: 'join', room: 'hall' })
  await world.settle()
  t.equal(await world.admin.closeRoom('hall'), true)
  release() // the check answers from before the close: a member of an open room
  await world.settle()
  matchAll(t, mux.frames(), [{ type: 'error', code: 'not_found', room: 'hall', message: 'this room is closed' }])
  t.same(world.host.connectedUsers('hall'), [])
})

t.test(
  'a room socket whose access check began before the close is refused (4404), as is one racing a revocation (4403)',
  async (t) => {
    const world = await createWorld()
    await world.admin.putRoom('hall', 'private')
    await world.admin.putRoomMember('hall', 'ann')
    let release = world.faults.stall('isRoomMember')
    const closing = world.connect('ann', { room: 'hall' }) // like an upgrade: the access check first
    await world.settle()
    t.equal(await world.admin.closeRoom('hall'), true)
    release()
    const ann = await closing
    t.match(ann.closedWith, { code: 4404 })
    t.same(ann.frames('welcome'), [], 'never entered')

    await world.admin.putRoom('hall', 'private') // reopened; ann is still a member
    release = world.faults.stall('isRoomMember')
    const revoking = world.connect('ann', { room: 'hall' })
    await world.settle()
    world.host.revoke('hall', 'ann') // the store still answers "member": only the epoch can tell
    release()
    const again = await revoking
    t.match(again.closedWith, { code: 4403 })
    t.same(again.frames('welcome'), [])
  },
)
