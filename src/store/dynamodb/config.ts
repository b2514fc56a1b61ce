/**
 * Options of the DynamoDB store, each with its default. The store reads no environment: the
 * server's configuration (src/config.ts, the one reader of the README "Configuration"
 * variables) builds these options, with these defaults.
 */
import type { RetryPolicy } from './retry.ts'
import type { DeviceStoreOptions } from '../../notifier/device-rules.ts'

export interface DynamoStoreOptions {
  /** A ready client (tests wrap it to inject faults). Without it one is built from the fields below. */
  client?: DocSender
  /** Endpoint override, e.g. DynamoDB Local. */
  endpoint?: string
  region?: string
  /** Static credentials (DynamoDB Local accepts any); unset uses the AWS default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string }
  coreTable?: string
  guildTable?: string
  /** Messages (and their idempotency keys) expire this many days after `ts`; unset keeps them. */
  messageTtlDays?: number
  /** Create missing tables at start (DynamoDB Local); production tables come from Terraform. */
  createTables?: boolean
  retry?: Partial<RetryPolicy>
  /** Each attempt is abandoned (and retried) after this long, so a hung request cannot stall a room. */
  attemptTimeoutMs?: number
  /** How long a membership or room lookup is served from memory. 0 disables the cache. */
  membershipCacheMs?: number
  /** Rooms whose seq index (immutable) is kept in memory for pages; 0 disables it. */
  seqIndexCacheRooms?: number
  /** For the membership cache and the time of device registrations and push claims; injectable so tests need no timers. */
  now?: () => number
  /** The per-user device cap and the push claims' TTL (src/notifier/device-rules.ts). */
  devices?: DeviceStoreOptions
}

/**
 * What the store needs of a client: `send`. A DynamoDBDocumentClient fits; so does a test
 * wrapper that throttles or fails chosen calls.
 */
export interface DocSender {
  send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown>
}

export interface ResolvedConfig {
  coreTable: string
  guildTable: string
  messageTtlDays: number | undefined
  attemptTimeoutMs: number
  membershipCacheMs: number
  seqIndexCacheRooms: number
  now: () => number
}

export const defaults = {
  coreTable: 'gg_core',
  guildTable: 'gg_guild',
  region: 'us-east-1',
  attemptTimeoutMs: 3_000,
  membershipCacheMs: 5_000,
  seqIndexCacheRooms: 1_000,
} as const

/** The attribute DynamoDB's TTL reads (epoch seconds). Terraform declares the same name. */
export const TTL_ATTRIBUTE = 'ttl'

export function resolveConfig(opts: DynamoStoreOptions): ResolvedConfig {
  const ttl = opts.messageTtlDays
  if (ttl !== undefined && !(ttl > 0)) throw new RangeError(`messageTtlDays must be > 0, got ${ttl}`)
  return {
    coreTable: opts.coreTable ?? defaults.coreTable,
    guildTable: opts.guildTable ?? defaults.guildTable,
    messageTtlDays: ttl,
    attemptTimeoutMs: opts.attemptTimeoutMs ?? defaults.attemptTimeoutMs,
    membershipCacheMs: opts.membershipCacheMs ?? defaults.membershipCacheMs,
    seqIndexCacheRooms: opts.seqIndexCacheRooms ?? defaults.seqIndexCacheRooms,
    now: opts.now ?? Date.now,
  }
}

/**
 * Credentials for an endpoint: DynamoDB Local needs some but checks none. Any other endpoint
 * (a VPC endpoint, a proxy) is real AWS and gets the default chain, e.g. the task role, as
 * does a local one when the environment has credentials of its own (`hasAccessKey`).
 */
export function localCredentials(
  endpoint: string | undefined,
  hasAccessKey: boolean,
): { accessKeyId: string; secretAccessKey: string } | undefined {
  if (endpoint === undefined || hasAccessKey || !isLoopback(endpoint)) return undefined
  return { accessKeyId: 'local', secretAccessKey: 'local' }
}

/** `localhost`, 127.0.0.0/8 or ::1: an endpoint on this machine, i.e. DynamoDB Local. */
export function isLoopback(endpoint: string): boolean {
  let host: string
  try {
    host = new URL(endpoint).hostname.toLowerCase()
  } catch {
    return false
  }
  if (host === 'localhost' || host.endsWith('.localhost') || host === '[::1]') return true
  return /^127(\.\d{1,3}){3}$/.test(host)
}
