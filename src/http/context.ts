/**
 * What the HTTP layer is built from, and the Hono environment its handlers share.
 * Runtime-neutral: the adapter supplies `upgradeWebSocket` and nothing else runtime-specific.
 */
import type { Context } from 'hono'
import type { WSEvents } from 'hono/ws'
import type { Limits } from '../../actors/limits.ts'
import type { Logger } from '../../actors/ports.ts'
import type { Span } from '../../actors/tracing.ts'
import type { AdminApi, HostApi } from '../../actors/host-api.ts'
import type { Principal, Verifier } from '../auth/verify.ts'
import type { ClusterInfo } from './cluster-info.ts'
import type { AllowedOrigins } from './cors.ts'
import type { Lifecycle } from './lifecycle.ts'
import type { RequestTracing } from './trace-requests.ts'

/**
 * Upgrade this request to a WebSocket with these handlers. Hono's `upgradeWebSocket` from
 * `@hono/node-server` or `hono/deno` (the `(c, events)` form) fits, wrapped by the adapter.
 */
export type Upgrade = (c: Context, events: WSEvents) => Promise<Response>

export interface AppOptions {
  host: HostApi
  admin: AdminApi
  auth: Verifier
  /** The resolved limits (frame size, history page size). */
  config: { limits: Limits }
  logger: Logger
  upgradeWebSocket: Upgrade
  /** Browser origins allowed to call the HTTP API and open WebSockets (`CORS_ORIGINS`); none if omitted. */
  allowedOrigins?: AllowedOrigins
  /** Draining flips `/ready` to 503 and refuses new sockets; a fresh one if omitted. */
  lifecycle?: Lifecycle
  /** `/admin/cluster` and `/admin/rooms/:roomId`; a single node named `local` if omitted. */
  cluster?: ClusterInfo
  /** A server span per request (trace-requests.ts); none if omitted (tracing off). */
  tracing?: RequestTracing
}

/** `span`: the request's span, set when tracing is on. */
export type AppEnv = { Variables: { principal: Principal; span: Span | undefined } }
