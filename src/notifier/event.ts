/**
 * The part of a `message.created` event (docs/events.md "Events") the push worker reads. Other
 * event types are not the worker's: they are acknowledged and skipped. A body that is not a
 * well-formed `message.created` is malformed: logged and left for the dead-letter queue.
 */
import * as v from 'valibot'
import type { MessageCreatedEvent } from '../../actors/events.ts'

const id = v.pipe(v.string(), v.minLength(1), v.maxLength(256))

const messageCreated = v.object({
  type: v.literal('message.created'),
  room: id,
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  messageId: id,
  senderId: id,
  text: v.string(),
  offline: v.array(id),
})

/** The fields of the contract's event the worker reads (the rest is not checked). */
export type PushEvent = Pick<
  MessageCreatedEvent,
  'type' | 'room' | 'seq' | 'messageId' | 'senderId' | 'text' | 'offline'
>

export type ParsedEvent =
  | { kind: 'push'; event: PushEvent }
  | { kind: 'other'; type: string }
  | { kind: 'malformed'; problem: string }

export function parseEvent(body: string): ParsedEvent {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return { kind: 'malformed', problem: 'not JSON' }
  }
  const type = (json as { type?: unknown } | null)?.type
  if (typeof type === 'string' && type !== 'message.created') return { kind: 'other', type }
  const parsed = v.safeParse(messageCreated, json)
  if (parsed.success) return { kind: 'push', event: parsed.output satisfies PushEvent }
  const issue = parsed.issues[0]
  return { kind: 'malformed', problem: `${v.getDotPath(issue) ?? 'event'}: ${issue.message}` }
}
