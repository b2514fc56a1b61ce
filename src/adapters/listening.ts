/** What each runtime adapter gives back once it listens, and what it needs to serve. */
import type { Limits } from '../../actors/limits.ts'
import type { Logger } from '../../actors/ports.ts'

/** A Hono app, as far as an adapter cares. */
export interface FetchApp {
  fetch(request: Request, env?: unknown): Response | Promise<Response>
}

export interface ServeOptions {
  port: number
  host: string
  limits: Limits
  logger: Logger
}

export interface Listening {
  /** The bound port (useful with port 0). */
  port: number
  /** Refuse new connections; open ones carry on. */
  stopAccepting(): void
  /** Wait up to `graceMs` for open sockets to finish closing, then cut the rest. */
  close(graceMs?: number): Promise<void>
}
