/**
 * Deno adapter: `Deno.serve` with `hono/deno`'s `upgradeWebSocket`. Deno has no frame-size
 * option, so the 32 KiB limit is checked on each message by the socket bridge (close 1009).
 * Liveness is Deno's own `idleTimeout`: after half of it without a frame Deno pings, and a
 * peer still silent at the end of it is closed; we set it to `peerTimeoutMs`.
 *
 * Deno's standard WebSocket cannot pause reading nor be cut without a handshake: the socket
 * port has no `pauseReading` or `terminate` here, so the session counts frames while replies
 * are unread (1008) and closes slow consumers with 1013.
 */
import { upgradeWebSocket as denoUpgradeWebSocket } from 'hono/deno'
import { WSContext, type WSEvents } from 'hono/ws'
import type { Upgrade } from '../http/app.ts'
import { sessionEvents } from '../http/socket-bridge.ts'
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
  return (c, handoff) => denoUpgradeWebSocket(c, closeWhenQuiet(sessionEvents(handoff)), { idleTimeout })
}

/** A close waits until the peer has sent nothing for this long... */
const quietMs = 50
/** ...but no longer than this after it was asked for. */
const maxCloseWaitMs = 1_000

/**
 * Deno's server WebSocket drops the connection as soon as a data frame arrives after `close()`
 * (its event loop closes the resource on any message while CLOSING), whether or not its close
 * frame is out yet and with the peer's later frames unread, so the kernel resets the
 * connection: a client still sending when we close (a burst of refused frames, 1008) saw 1006
 * instead of our code. So our closes wait until the peer has stopped sending (`quietMs`
 * without a frame, at most `maxCloseWaitMs`), and the frames meanwhile are dropped: the
 * session has ended. Node's `ws` needs none of this: it reads and discards until the peer's
 * close frame.
 */
function closeWhenQuiet(events: WSEvents): WSEvents {
  let wrapped: WSContext | undefined
  let closing = false
  let heard = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const wrap = (ws: WSContext): WSContext =>
    (wrapped ??= new WSContext({
      raw: ws.raw,
      url: ws.url,
      protocol: ws.protocol,
      get readyState() {
        return ws.readyState
      },
      send: (data, options) => ws.send(data, options),
      close(code, reason) {
        if (closing) return
        closing = true
        const deadline = Date.now() + maxCloseWaitMs
        const closeIfQuiet = (): void => {
          if (heard && Date.now() < deadline) {
            heard = false
            timer = setTimeout(closeIfQuiet, quietMs)
          } else ws.close(code, reason)
        }
        timer = setTimeout(closeIfQuiet, quietMs)
      },
    }))
  return {
    onOpen: (event, ws) => events.onOpen?.(event, wrap(ws)),
    onMessage(event, ws) {
      if (closing) heard = true
      else events.onMessage?.(event, wrap(ws))
    },
    onClose(event, ws) {
      clearTimeout(timer)
      events.onClose?.(event, wrap(ws))
    },
    onError: (event, ws) => events.onError?.(event, wrap(ws)),
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
