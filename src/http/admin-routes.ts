/**
 * The admin API (docs/protocol.md "HTTP endpoints"). The admin role opens these routes only, never a room.
 * Every write is idempotent: PUT answers the same however often it is repeated, and DELETE of
 * something absent is 204 like any other DELETE.
 */
import { Hono, type Context } from 'hono'
import { authenticateAdmin } from './authenticate.ts'
import type { AppEnv, AppOptions } from './context.ts'
import { accessMessages } from '../../actors/protocol/errors.ts'
import { HttpError } from './errors.ts'
import { singleNodeInfo } from './cluster-info.ts'
import {
  encodeCursor,
  roomIdSchema,
  generalRoomIdSchema,
  guildIdSchema,
  memberQuerySchema,
  putRoomBodySchema,
  userIdSchema,
} from './inputs.ts'
import { jsonBody } from './json-body.ts'
import { parseOr } from './validate.ts'
import type { MemberPage, MemberQuery } from '../../actors/store.ts'

export function adminRoutes(opts: AppOptions): Hono<AppEnv> {
  const { admin, host, auth } = opts
  const cluster = opts.cluster ?? singleNodeInfo('local', '', () => host.activeRooms().length)
  const roomParam = (c: Context) => parseOr(generalRoomIdSchema, c.req.param('roomId'), 'invalid_room')
  const userParam = (c: Context) => parseOr(userIdSchema, c.req.param('userId'))
  const guildParam = (c: Context) => parseOr(guildIdSchema, c.req.param('guildId'))
  const { membersDefaultLimit, membersMaxLimit } = opts.config.limits
  const memberQuerySpec = memberQuerySchema(membersMaxLimit)
  const memberQuery = (c: Context): MemberQuery => {
    const { limit, cursor } = parseOr(memberQuerySpec, c.req.query())
    return { limit: limit ?? membersDefaultLimit, ...(cursor !== undefined && { after: cursor }) }
  }
  const memberPage = (c: Context, page: MemberPage) =>
    c.json({ members: page.members, ...(page.next !== undefined && { nextCursor: encodeCursor(page.next) }) })

  return (
    new Hono<AppEnv>()
      .use('/admin/*', async (c, next) => {
        await authenticateAdmin(c, auth)
        await next()
      })
      .get('/admin/rooms', (c) => c.json({ rooms: host.activeRooms() }))
      .get('/admin/cluster', (c) => c.json({ node: cluster.node, nodes: cluster.nodes() }))
      // Any room id, general or guild: who owns it, at which epoch, and its latest durable seq.
      .get('/admin/rooms/:roomId', async (c) => {
        const roomId = parseOr(roomIdSchema, c.req.param('roomId'), 'invalid_room')
        const [epoch, newest] = await Promise.all([cluster.epoch(roomId), host.history(roomId, { limit: 1 })])
        return c.json({ room: roomId, owner: cluster.ownerOf(roomId), epoch, seq: newest.messages.at(-1)?.seq ?? 0 })
      })
      .put('/admin/rooms/:roomId', async (c) => {
        const roomId = roomParam(c)
        const { visibility } = parseOr(putRoomBodySchema, await jsonBody(c))
        const created = await admin.putRoom(roomId, visibility)
        return c.json({ room: roomId, visibility }, created ? 201 : 200)
      })
      // Closing keeps the room's history and members; a PUT of the room reopens it.
      .delete('/admin/rooms/:roomId', async (c) => {
        if (!(await admin.closeRoom(roomParam(c)))) throw new HttpError('not_found', accessMessages.not_found)
        return c.body(null, 204)
      })
      .get('/admin/rooms/:roomId/members', async (c) =>
        memberPage(c, await admin.listRoomMembers(roomParam(c), memberQuery(c))),
      )
      .get('/admin/guilds/:guildId/members', async (c) =>
        memberPage(c, await admin.listGuildMembers(guildParam(c), memberQuery(c))),
      )
      .put('/admin/rooms/:roomId/members/:userId', async (c) => {
        await admin.putRoomMember(roomParam(c), userParam(c))
        return c.body(null, 204)
      })
      .delete('/admin/rooms/:roomId/members/:userId', async (c) => {
        await admin.deleteRoomMember(roomParam(c), userParam(c))
        return c.body(null, 204)
      })
      .put('/admin/guilds/:guildId/members/:userId', async (c) => {
        await admin.putGuildMember(guildParam(c), userParam(c))
        return c.body(null, 204)
      })
      .delete('/admin/guilds/:guildId/members/:userId', async (c) => {
        await admin.deleteGuildMember(guildParam(c), userParam(c))
        return c.body(null, 204)
      })
  )
}
