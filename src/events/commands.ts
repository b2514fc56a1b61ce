/**
 * Commands other services send on `COMMANDS_QUEUE_URL` (docs/events.md "Commands"): what each
 * is, how a body is read, and what running one comes to. No SQS here: the consumer
 * (commands-consumer.ts) receives, runs and deletes.
 *
 * - `{"type":"member.removed","guildId","userId"}`: as the admin `DELETE` of a guild
 *   membership: the item is deleted and the user's sockets in `GUILD#<guildId>` are revoked on
 *   every node.
 * - `{"type":"room.post","room","id","senderId","text"}`: a message from a service, as an
 *   admin's post as another sender: the room must exist and be open, the room's rules apply
 *   (length, idempotent by (`senderId`, `id`)), no rate limit, through the room's owner.
 */
import * as v from 'valibot'
import { RoomUnavailableError } from '../../actors/actor.ts'
import type { AccessIntent, AccessResult } from '../../actors/host-api.ts'
import { codePointLength } from '../../actors/protocol/frames.ts'
import { isValidId, parseRoomId } from '../../actors/protocol/rooms.ts'
import type { PostOutcome, RoomPost } from '../../actors/room-post.ts'

const chars = (min: number, max: number, what: string) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.check((s) => codePointLength(s) >= min && codePointLength(s) <= max, `${what} must be ${min}..${max} characters`),
  )

const memberRemoved = v.object({
  type: v.literal('member.removed'),
  guildId: v.pipe(v.string('guildId must be a string'), v.check(isValidId, 'guildId is not a valid guild id')),
  userId: chars(1, 128, 'userId'),
})

const roomPost = v.object({
  type: v.literal('room.post'),
  room: v.pipe(
    v.string('room must be a string'),
    v.check((id) => parseRoomId(id) !== undefined, 'room is not a valid room id'),
  ),
  id: chars(1, 64, 'id'),
  senderId: chars(1, 128, 'senderId'),
  text: v.string('text must be a string'),
})

const command = v.variant('type', [memberRemoved, roomPost], 'type must be member.removed or room.post')

export type Command = v.InferOutput<typeof command>

/** A body that is not a command says why (never echoing its values: they may be anything). */
export function parseCommand(body: string): { ok: true; command: Command } | { ok: false; reason: string } {
  let data: unknown
  try {
    data = JSON.parse(body)
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  const result = v.safeParse(command, data)
  if (result.success) return { ok: true, command: result.output }
  const issue = result.issues[0]
  const path = issue ? v.getDotPath(issue) : null
  return { ok: false, reason: path && issue ? `${path}: ${issue.message}` : (issue?.message ?? 'not a command') }
}

/** What the commands act on: the actor host and the admin writes of this node. */
export interface CommandTarget {
  authorizeOrCreate(roomId: string, userId: string, intent: AccessIntent): Promise<AccessResult>
  post(roomId: string, post: RoomPost): Promise<PostOutcome>
  deleteGuildMember(guildId: string, userId: string): Promise<boolean>
}

/**
 * `done`: it took effect (delete it). `skip`: it can never take effect (a room that does not
 * exist or is closed, a text over the limit): logged and deleted. `retry`: not now (the store
 * or the room's owner unavailable): left in the queue, received again after its visibility
 * timeout.
 */
export type CommandResult =
  | { kind: 'done'; seq?: number }
  | { kind: 'skip'; reason: string }
  | { kind: 'retry'; reason: string; error?: unknown }

export async function runCommand(cmd: Command, target: CommandTarget): Promise<CommandResult> {
  try {
    if (cmd.type === 'member.removed') {
      await target.deleteGuildMember(cmd.guildId, cmd.userId)
      return { kind: 'done' }
    }
    const access = await target.authorizeOrCreate(cmd.room, cmd.senderId, 'service')
    if (!access.ok) {
      if (access.code === 'unavailable') return { kind: 'retry', reason: 'unavailable', error: access.cause }
      return { kind: 'skip', reason: access.code }
    }
    const outcome = await target.post(cmd.room, { senderId: cmd.senderId, id: cmd.id, text: cmd.text, unlimited: true })
    if (outcome.ok) return { kind: 'done', seq: outcome.seq }
    // Only a failure of the moment can pass later; a text the room refuses never will.
    if (outcome.code === 'unavailable' || outcome.code === 'internal' || outcome.code === 'rate_limited')
      return { kind: 'retry', reason: outcome.code }
    return { kind: 'skip', reason: outcome.code }
  } catch (err) {
    return { kind: 'retry', reason: err instanceof RoomUnavailableError ? 'unavailable' : 'error', error: err }
  }
}
