/**
 * The standard `OTEL_*` variables → tracing settings (docs/operations.md "Tracing"). Read from
 * the environment the server was given (not `process.env`), so a test's in-process server is
 * configured like a real one. No OpenTelemetry import here: with tracing off nothing of the SDK
 * is ever loaded (otel/setup.ts).
 */

import { parseRoomId } from '../actors/protocol/rooms.ts'

export type Env = Record<string, string | undefined>

export type Sampler =
  | { kind: 'always_on' | 'always_off' | 'parentbased_always_on' | 'parentbased_always_off' }
  | { kind: 'traceidratio' | 'parentbased_traceidratio'; ratio: number }

export interface TracingSettings {
  exporter: 'otlp' | 'console'
  /** The full URL spans are POSTed to (…/v1/traces). */
  url: string
  protocol: 'http/protobuf' | 'http/json'
  /** `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`: e.g. a collector's auth header. */
  headers: Record<string, string>
  /** One export request's deadline (`OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT`). */
  timeoutMs: number
  serviceName: string
  sampler: Sampler
  /** The batch processor (`OTEL_BSP_*`): the queue is bounded; a span past it is dropped and counted. */
  maxQueueSize: number
  maxExportBatchSize: number
  scheduleDelayMs: number
  exportTimeoutMs: number
  /**
   * Set when the URL is X-Ray's OTLP endpoint (`https://xray.<region>.amazonaws.com/v1/traces`):
   * requests are signed with SigV4 (otel/sigv4-exporter.ts), the region taken from the host.
   */
  sigv4?: { region: string; service: 'xray' }
  /** `TRACE_ROOMS`: rooms whose spans are all sampled, whatever the sampler (otel/room-sampler.ts). */
  traceRooms: string[]
}

export class TracingConfigError extends Error {
  override name = 'TracingConfigError'
}

const samplers = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const

/** `undefined`: tracing is off (`OTEL_TRACES_EXPORTER` unset or `none`, or `OTEL_SDK_DISABLED=true`). */
export function tracingSettings(env: Env): TracingSettings | undefined {
  // Checked even with tracing off: a typo is refused at the start, not found when turning tracing on.
  traceRooms(env)
  const exporter = (value(env, 'OTEL_TRACES_EXPORTER') ?? 'none').toLowerCase()
  if (exporter === 'none' || value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined
  if (exporter !== 'otlp' && exporter !== 'console') {
    throw new TracingConfigError(`OTEL_TRACES_EXPORTER: expected otlp, console or none, got "${exporter}"`)
  }
  const protocol =
    value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL') ?? 'http/protobuf'
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL: expected http/protobuf or http/json, got "${protocol}"`)
  }
  const maxQueueSize = count(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048)
  const url = tracesUrl(env)
  const region = xrayRegion(url)
  return {
    exporter,
    url,
    ...(region !== undefined && { sigv4: { region, service: 'xray' as const } }),
    protocol,
    headers: { ...headers(env, 'OTEL_EXPORTER_OTLP_HEADERS'), ...headers(env, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS') },
    timeoutMs: count(env, 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', count(env, 'OTEL_EXPORTER_OTLP_TIMEOUT', 10_000)),
    serviceName: value(env, 'OTEL_SERVICE_NAME') ?? 'guildhall',
    sampler: sampler(env),
    maxQueueSize,
    // The spec: a batch larger than the queue is the queue.
    maxExportBatchSize: Math.min(count(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512), maxQueueSize),
    scheduleDelayMs: count(env, 'OTEL_BSP_SCHEDULE_DELAY', 5_000),
    exportTimeoutMs: count(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000),
    traceRooms: traceRooms(env),
  }
}

/** X-Ray's OTLP traces endpoint; its region is the host's. */
const xrayEndpoint = /^https:\/\/xray\.([a-z0-9-]+)\.amazonaws\.com\/v1\/traces\/?$/

/** The region of an X-Ray OTLP endpoint URL, or undefined when `url` is not one. */
export function xrayRegion(url: string): string | undefined {
  return xrayEndpoint.exec(url)?.[1]
}

/**
 * `TRACE_ROOMS=lobby,GUILD%23raiders`: comma-separated room ids as clients write them, each
 * URL-decoded (`#` is `%23`, as in a URL; a bare `#` is taken too), checked with the room id rules.
 */
export function traceRooms(env: Env): string[] {
  const raw = value(env, 'TRACE_ROOMS')
  if (raw === undefined) return []
  return raw.split(',').map((part) => {
    let room = part.trim()
    try {
      room = decodeURIComponent(room)
    } catch {
      // left as written: refused below
    }
    if (!parseRoomId(room))
      throw new TracingConfigError(`TRACE_ROOMS: "${part.trim()}" is not a room id (docs/protocol.md "Rooms")`)
    return room
  })
}

/** The signal-specific endpoint is used as is; the general one gets `/v1/traces` appended (the OTLP spec). */
function tracesUrl(env: Env): string {
  const own = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT')
  if (own) return checkedUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', own)
  const base = checkedUrl(
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT') ?? 'http://localhost:4318',
  )
  return `${base.replace(/\/+$/, '')}/v1/traces`
}

function checkedUrl(name: string, url: string): string {
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new TracingConfigError(`${name}: expected an http(s) URL, got "${url}"`)
  }
  return url
}

function sampler(env: Env): Sampler {
  const kind = (value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on').toLowerCase()
  if (!(samplers as readonly string[]).includes(kind)) {
    throw new TracingConfigError(`OTEL_TRACES_SAMPLER: expected one of ${samplers.join(', ')}, got "${kind}"`)
  }
  if (kind !== 'traceidratio' && kind !== 'parentbased_traceidratio') return { kind: kind as 'always_on' }
  const arg = value(env, 'OTEL_TRACES_SAMPLER_ARG') ?? '1'
  const ratio = Number(arg)
  if (!/^\s*[\d.]+\s*$/.test(arg) || !(ratio >= 0 && ratio <= 1)) {
    throw new TracingConfigError(`OTEL_TRACES_SAMPLER_ARG: expected a ratio from 0 to 1, got "${arg}"`)
  }
  return { kind, ratio }
}

/** `key1=value1,key2=value2`, values URL-encoded (the OTLP exporter spec). */
function headers(env: Env, name: string): Record<string, string> {
  const raw = value(env, name)
  if (!raw) return {}
  const out: Record<string, string> = {}
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new TracingConfigError(`${name}: expected key=value pairs separated by commas`)
    out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim())
  }
  return out
}

function count(env: Env, name: string, fallback: number): number {
  const raw = value(env, name)
  if (raw === undefined) return fallback
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new TracingConfigError(`${name}: expected a whole number above 0, got "${raw}"`)
  return Number(raw)
}

/** Unset and empty are the same (a blank variable in a task definition means "not set"). */
function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim()
  return v ? v : undefined
}
