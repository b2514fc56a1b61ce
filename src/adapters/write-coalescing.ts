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
  cork(): void
  uncork(): void
}

/** Returns `send`, writing through `write` with `stream` corked until the current turn's work ends. */
export function coalesced(stream: Corkable, write: (text: string) => void): (text: string) => void {
  let corked = false
  const uncork = (): void => {
    corked = false
    stream.uncork()
  }
  return (text) => {
    if (!corked) {
      corked = true
      stream.cork()
      queueMicrotask(uncork)
    }
    write(text)
  }
}
