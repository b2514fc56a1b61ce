/**
 * One write per socket per turn of the event loop. A room's event (a group commit's batch, a
 * join) gives each of its sockets several frames at once, and `ws` writes each frame to its
 * socket as its own `writev`; that system call was most of the server's CPU in the busy room
 * (docs/benchmarks.md "One busy room"). Corking the socket at the first frame of a turn and
 * uncorking it once the turn's synchronous work is done (a microtask) sends them all in one.
 * Frames keep their order and nothing waits for a timer: the bytes leave as soon as the code
 * that queued them returns.
 */

/** The part of a Node stream (a `ws` socket's `_socket`) that batches writes. */
export interface Corkable {
  readonly writableCorked: number
  cork(): void
  uncork(): void
}

/** The streams corked in this turn: one microtask uncorks them all, and a socket holds no closure for it. */
let corkedThisTurn: Corkable[] = []

function uncorkAll(): void {
  const streams = corkedThisTurn
  corkedThisTurn = []
  for (const stream of streams) stream.uncork()
}

/** Corks `stream`, if it is not already, until the current turn's synchronous work ends. */
export function corkForThisTurn(stream: Corkable): void {
  if (stream.writableCorked > 0) return
  stream.cork()
  if (corkedThisTurn.push(stream) === 1) queueMicrotask(uncorkAll)
}
