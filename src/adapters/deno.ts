/**
 * Deno adapter: `Deno.serve` with `hono/deno`'s `upgradeWebSocket`. Deno has no frame-size
 * option, so the 32 KiB limit is checked on each message by the socket bridge (close 1009).
 * Liveness is Deno's own `idleTimeout`: after half of it without a frame Deno pings, and a
 * peer still silent at the end of it is closed; we set it to `peerTimeoutMs`.
 */
import { upgradeWebSocket as denoUpgradeWebSocket } from 'hono/deno'
import type { Upgrade } from '../http/app.ts'
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
}

export function denoUpgrade(peerTimeoutMs: number): Upgrade {
  const idleTimeout = Math.max(1, Math.ceil(peerTimeoutMs / 1000))
  return (c, events) => denoUpgradeWebSocket(c, events, { idleTimeout })
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
