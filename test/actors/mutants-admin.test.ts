// Admin input checks and revocation on member removal, on the harness: `npm run mutation` found
// them reached only over HTTP (e2e, outside the mutation run) (docs/guarantees.md "Test strength").
import t from 'tap'
import { AdminInputError } from '../../actors/admin.ts'
import { createWorld } from '../../actors/testing.ts'

const refusal = (code: string, message: string) => ({ name: 'AdminInputError', code, message })

t.test('malformed ids are refused with their code and message', async (t) => {
  const { admin } = await createWorld()
  await t.rejects(admin.putRoom('GUILD#g', 'public'), refusal('invalid_room', 'not a general room id: GUILD#g'))
  await t.rejects(admin.closeRoom('bad id!'), refusal('invalid_room', 'not a general room id: bad id!'))
  await t.rejects(admin.putGuildMember('bad id!', 'ann'), refusal('invalid_room', 'not a guild id: bad id!'))
  await t.rejects(admin.putRoomMember('lobby', ''), refusal('invalid_request', 'user id must be 1..128 characters'))
  await t.rejects(
    admin.putRoomMember('lobby', '😀'.repeat(129)),
    refusal('invalid_request', 'user id must be 1..128 characters'),
  )
  await t.resolves(admin.putRoomMember('lobby', '😀'.repeat(128)), '128 code points pass')
  await t.resolves(admin.putRoomMember('lobby', 'a'), 'one passes')
  t.ok(new AdminInputError('invalid_room', 'x') instanceof Error)
})

t.test('removing a member revokes only in a private room; a public room keeps its visitors', async (t) => {
  const world = await createWorld()
  await world.admin.putRoom('open', 'public')
  await world.admin.putRoom('secret', 'private')
  await world.admin.putRoomMember('open', 'ann')
  await world.admin.putRoomMember('secret', 'ann')
  const inOpen = await world.connect('ann', { room: 'open' })
  const inSecret = await world.connect('ann', { room: 'secret' })
  await world.admin.deleteRoomMember('open', 'ann')
  await world.settle()
  t.equal(inOpen.closedWith, undefined)
  await world.admin.deleteRoomMember('secret', 'ann')
  await world.settle()
  t.same(inSecret.closedWith, { code: 4403, reason: 'revoked' })
})

t.test('a public room stays public: putRoom public revokes nobody', async (t) => {
  const world = await createWorld()
  await world.admin.putRoom('open', 'public')
  const bob = await world.connect('bob', { room: 'open' })
  await world.admin.putRoom('open', 'public')
  await world.settle()
  t.equal(bob.closedWith, undefined)
})
