/**
 * `/admin/cluster` and `/admin/rooms/:roomId` on a single node (embedded store): a cluster of
 * one that owns every room at epoch 0. The many-node answers are in test/e2e/cluster*.test.ts.
 */
import t from 'tap'
import { startInProcess, type InProcess } from '../support/server.ts'
import { admin, joinRoom, say, uniq } from './scenarios/util.ts'

let s: InProcess
t.before(async () => {
  s = await startInProcess()
})
t.teardown(() => s.stop())

t.test('GET /admin/cluster: this node alone, with the rooms active on it', async (t) => {
  const room = uniq('r')
  const { c } = await joinRoom(s, room, 'alice')
  const res = await admin(s, 'GET', '/admin/cluster')
  t.equal(res.status, 200)
  const body = res.body as { node: string; nodes: { id: string; address: string; rooms: number }[] }
  t.equal(body.nodes.length, 1)
  t.equal(body.nodes[0]!.id, body.node)
  t.ok(body.nodes[0]!.rooms >= 1, 'counts the active room')
  await c.close()
})

t.test('GET /admin/rooms/:roomId: owner, epoch 0, latest seq; guild ids too; bad ids refused', async (t) => {
  const room = uniq('r')
  const { c } = await joinRoom(s, room, 'alice')
  await say(c, 'm1', 'one')
  await say(c, 'm2', 'two')
  const { node } = (await admin(s, 'GET', '/admin/cluster')).body as { node: string }
  t.same((await admin(s, 'GET', `/admin/rooms/${room}`)).body, { room, owner: node, epoch: 0, seq: 2 })
  t.same((await admin(s, 'GET', '/admin/rooms/GUILD%23nobody')).body, {
    room: 'GUILD#nobody',
    owner: node,
    epoch: 0,
    seq: 0,
  })
  const bad = await admin(s, 'GET', '/admin/rooms/no%20spaces')
  t.equal(bad.status, 400)
  t.equal((bad.body as { error: string }).error, 'invalid_room')
  await c.close()
})
