/** Small helpers the scenarios share: fresh ids, admin calls, HTTP JSON. */
import type { Target } from '../../support/server.ts'
import { Client, is, type Frame } from '../../support/client.ts'

let counter = 0
/** A room (or guild, or user) id no other scenario uses, valid per docs/protocol.md "Room ids". */
export function uniq(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`
}

export async function http(
  target: Target,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown } = {},
) {
  const res = await fetch(`${target.http}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined }
}

export async function admin(target: Target, method: string, path: string, body?: unknown) {
  return http(target, method, path, { token: await target.token({ sub: 'ops', roles: ['admin'] }), body })
}

/** Opens `/ws/rooms/:roomId` for `sub` and waits for its welcome. */
export async function joinRoom(
  target: Target,
  roomId: string,
  sub: string,
  query = '',
): Promise<{ c: Client; welcome: Frame }> {
  const c = await Client.open(`${target.ws}/ws/rooms/${encodeURIComponent(roomId)}${query}`, {
    token: await target.token({ sub }),
  })
  const welcome = await c.take(is('welcome'))
  return { c, welcome }
}

/** Sends a message and waits for its ack. */
export async function say(c: Client, id: string, text: string, room?: string): Promise<Frame> {
  c.send({ type: 'send', id, text, ...(room ? { room } : {}) })
  return c.take(is('ack', { id }))
}
