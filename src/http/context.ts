/**
 * What the HTTP layer is built from, and the Hono environment its handlers share.
 * Runtime-neutral: the adapter supplies `upgradeWebSocket` and nothing else runtime-specific.
 */
import type { Context } from 'hono'
import type { Limits } from '../../actors/limits.ts'
import type { Logger } from '../../actors/ports.ts'
import type { Span } from '../../actors/tracing.ts'
import type { AdminApi, HostApi } from '../../actors/host-api.ts'
import type { Principal, Verifier } from '../auth/verify.ts'
import type { DeviceStore } from '../notifier/ports.ts'
import type { ClusterInfo } from './cluster-info.ts'
import type { AllowedOrigins } from './cors.ts'
import type { Lifecycle } from './lifecycle.ts'
import type { PageAssets } from './page-assets.ts'
import type { SessionHandoff } from './socket-bridge.ts'
import type { RequestTracing } from './trace-requests.ts'

/**
 * Upgrade this request to a WebSocket and open the session `handoff` describes on it. The
 * adapter reads the request from `c` now and must keep nothing of it for the socket's life:
 * only the handoff (user, room, limits) goes on with the socket.
 */
export type Upgrade = (c: Context, handoff: SessionHandoff) => Promise<Response>

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
  /** Where `PUT/DELETE /me/devices` store devices; those answer 503 without one. */
  devices?: DeviceStore
  /** A server span per request (trace-requests.ts); none if omitted (tracing off). */
  tracing?: RequestTracing
  /** The chat page at `GET /` (`UI=true`); `/` is 404 if omitted. */
  page?: PageAssets
}

/** `span`: the request's span, set when tracing is on. */
export type AppEnv = { Variables: { principal: Principal; span: Span | undefined } }
