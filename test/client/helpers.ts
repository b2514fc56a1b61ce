/** Helpers for the client library's tests: a client for a user, and waiting on its events. */
import { GuildhallClient, type ClientOptions, type Message, type Room } from '../../src/client/index.ts'
import type { Target } from '../support/server.ts'

/** A client for `sub` on `url` (the server's, or a proxy's), quick to reconnect. */
export async function clientFor(
  target: Target,
  sub: string,
  opts: Partial<ClientOptions> & { url?: string } = {},
): Promise<GuildhallClient> {
  return new GuildhallClient({
    url: target.http,
    token: await target.token({ sub }),
    backoff: { initialDelayMs: 20, maxDelayMs: 500 },
    ...opts,
  })
}

/** Collects a room's messages as they are delivered. */
export function collect(room: Room): Message[] {
  const seen: Message[] = []
  room.on('message', (m) => seen.push(m))
  return seen
}

/** Resolves once `check` holds, tested after each event of `room` (or on a slow poll). */
export function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const poll = () => {
      if (check()) return resolve()
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${what}`))
      setTimeout(poll, 10)
    }
    poll()
  })
}
