/**
 * Deno adapter: `Deno.serve`, and `Deno.upgradeWebSocket` bound to the session by
 * deno-socket.ts. Deno has no frame-size option, so the 32 KiB limit is checked on each
 * message by the socket bridge (close 1009).
 * Liveness is Deno's own `idleTimeout`: after half of it without a frame Deno pings, and a
 * peer still silent at the end of it is closed; we set it to `peerTimeoutMs`.
 *
 * Deno's standard WebSocket cannot pause reading nor be cut without a handshake: the socket
 * port has no `pauseReading` or `terminate` here, so the session counts frames while replies
 * are unread (1008) and closes slow consumers with 1013.
 */
import type { Upgrade } from '../http/app.ts'
import { bindDenoSocket } from './deno-socket.ts'
import type { FetchApp, Listening, ServeOptions } from './listening.ts'

/** The slice of the Deno namespace used here (the Node typecheck has no Deno types). */
interface DenoServer {
  addr: { port: number }
  finished: Promise<void>
  shutdown(): Promise<void>
}
declare const Deno: {
  serve(
    opts: { port: number; hostname: string; onListen?: (addr: { port: number }) => void },
    handler: (req: Request) => Response | Promise<Response>,
  ): DenoServer
  upgradeWebSocket(
    req: Request,
    opts: { protocol?: string; idleTimeout: number },
  ): { response: Response; socket: WebSocket }
}

export function denoUpgrade(peerTimeoutMs: number): Upgrade {
  const idleTimeout = Math.max(1, Math.ceil(peerTimeoutMs / 1000))
  return async (c, handoff) => {
    // Only the raw Request is read, now; the socket keeps the handoff and nothing of the request.
    const protocol = c.req.header('sec-websocket-protocol')?.split(',')[0]?.trim()
    const { response, socket } = Deno.upgradeWebSocket(
      c.req.raw,
      protocol ? { protocol, idleTimeout } : { idleTimeout },
    )
    bindDenoSocket(socket, handoff)
    return response
  }
}

export function serveDeno(app: FetchApp, opts: ServeOptions): Promise<Listening> {
  return new Promise((resolve) => {
    let stopped: Promise<void> | undefined
    const server = Deno.serve(
      {
        port: opts.port,
        hostname: opts.host,
        onListen: ({ port }) =>
          resolve({
            port,
            // Deno's shutdown stops listening at once and resolves when open requests end; the
            // drain closes the sockets, so it is awaited in `close`.
            stopAccepting() {
              stopped ??= server.shutdown()
            },
            async close(graceMs = 5_000) {
              stopped ??= server.shutdown()
              await Promise.race([stopped, new Promise((r) => setTimeout(r, graceMs))])
            },
          }),
      },
      (req) => app.fetch(req),
    )
  })
}
