/**
 * Every limit the actors enforce, by name, with its default. docs/protocol.md "Limits" fixes
 * the wire-visible defaults; docs/operations.md lists them all. Override any of them through
 * `ActorHost` options.
 */
export interface Limits {
  /** Longest message text, in Unicode code points. */
  maxTextLength: number
  /** Largest inbound frame in bytes (the socket adapter enforces it at the frame header: 1009). */
  maxFrameBytes: number
  /** Send token bucket per user per room: capacity and refill per second. */
  sendBurst: number
  sendPerSecond: number
  /** Refused frames per connection within `refusalWindowMs` before closing with 1008. */
  maxRefusals: number
  refusalWindowMs: number
  /** An `active:true` typing state that is not refreshed expires after this. */
  typingTimeoutMs: number
  /** At most one `active:true` broadcast per user per room in this interval. */
  typingThrottleMs: number
  /** A send repeated with the same `id` within this window is answered with the first ack. */
  idempotencyWindowMs: number
  /** Recent messages kept in memory per room for recovery and history. */
  recentBufferSize: number
  /** Most messages replayed on `since`; past it `welcome.recovered` is false (use history). */
  maxRecovery: number
  /**
   * Most messages in one storage write (group commit). A store may lower it: DynamoDB's
   * `maxBatchSize` is 48 (2 items a message plus 3, in a transaction of at most 100 items).
   */
  maxBatchSize: number
  /** History page size: default and maximum. */
  historyDefaultLimit: number
  historyMaxLimit: number
  /** Above this many queued outbound bytes a connection is a slow consumer: typing and
   * presence frames to it are dropped. */
  softOutboundBytes: number
  /** Above this a connection is closed (1013) and must recover with `since`. */
  hardOutboundBytes: number
  /** An actor with no connections and no pending work is evicted after this. */
  idleEvictMs: number
  /** Server ping interval and the silence after which a peer is closed (adapters use these). */
  pingIntervalMs: number
  peerTimeoutMs: number

  // --- hostile clients: every per-connection and per-user resource has a cap ----------------

  /** Above this many queued outbound bytes the server stops reading the connection's frames
   * until its replies drain (a client that sends but never reads cannot grow our queues). */
  readPauseBytes: number
  /** Where reading cannot be paused (Deno), frames accepted while over `readPauseBytes`
   * before the connection is closed with 1008. */
  maxFramesWhileBacklogged: number
  /** Inbound frames per connection: bucket capacity and refill per second; past it, 1008. */
  frameBurst: number
  framesPerSecond: number
  /** Messages per user across all rooms and connections on this node (token bucket). */
  userSendBurst: number
  userSendPerSecond: number
  /** UTF-8 bytes of message text per user across all rooms (token bucket). */
  userSendBytesBurst: number
  userSendBytesPerSecond: number
  /** Rooms one `/ws` connection may be in at once. */
  maxRoomsPerConnection: number
  /** Open WebSocket connections per user on this node (`429` past it). */
  maxConnectionsPerUser: number
  /** Rooms one user may create on first use (`AUTO_CREATE_ROOMS`) per minute. */
  roomCreatesPerMinute: number
  /** Conversations one user may create per minute (`POST /conversations`, a `dm` that makes one). */
  conversationsPerMinute: number
  /** Rooms "my rooms" looks at per user: at most this many of the user's room index and as many guilds. */
  maxMyRooms: number
  /** `join` and `leave` frames per connection: bucket capacity and refill per second. */
  joinBurst: number
  joinsPerSecond: number
  /** A user whose last connection leaves is announced offline only after this long; back
   * within it, nothing is announced (presence flapping is coalesced). */
  presenceGraceMs: number
  /** Largest HTTP request body; larger ones are refused with 413 before being read whole. */
  maxBodyBytes: number
  /** Admin member listings (a room's, a guild's): page size by default and at most. */
  membersDefaultLimit: number
  membersMaxLimit: number

  // --- many nodes (docs/cluster.md) ----------------------------------------------------------

  /** After a room moved (owner died, drained, rebalanced), how long a session keeps trying to
   * enter it again before giving up (`left` with reason "unavailable" on /ws, 1013 on a room socket). */
  roomMoveTimeoutMs: number
  /** Sends per connection per room waiting for their ack (kept to be resent after a move). */
  maxUnackedSends: number
  /** Queued bytes on a node link above which typing and presence to that node are dropped. */
  linkSoftBytes: number
  /** Above this the link is cut; the gateway enters its rooms again with `since`. */
  linkHardBytes: number

  // --- events (docs/events.md "Events"; only with EVENTS_QUEUE_URL) -------------------------

  /** Events one room holds in memory waiting for the queue; past it they are dropped from
   * memory and read again from the store (from the room's cursor) once the queue is back. */
  eventsMaxHeldPerRoom: number
  /** The same across every room of this node, in bytes of message text (x3, +256 an event). */
  eventsMaxHeldBytes: number
  /** Events handed to the publisher in one call (it sends them 10 to a SendMessageBatch). */
  eventsPublishBatch: number
  /** Fewer than 10 events waiting are published this long after the oldest was stored, so
   * that one SQS call carries several (an SQS call costs the CPU of many deliveries). */
  eventsLingerMs: number
  /** The cursor is written at least every this many published seqs (a crash re-publishes
   * fewer than this many events already published, plus those in flight). */
  eventsCursorEvery: number
  /** ...and once the room's events have all been published and none came for this long. */
  eventsCursorIdleMs: number
  /** Retries of a failed publish wait from 100 ms, doubling, up to this. */
  eventsRetryMaxMs: number
  /** Members of a private room looked at for `offline` (an SQS message is at most 256 KiB);
   * past it the event says `offlineTruncated: true`. */
  eventsMaxMembers: number
  /** A private room's member list is read again after this long (and at once on a change made
   * through this node: a revocation, a member added, a visibility change). */
  eventsMembersCacheMs: number
}

export const defaultLimits: Limits = {
  maxTextLength: 4000,
  maxFrameBytes: 32 * 1024,
  sendBurst: 10,
  sendPerSecond: 5,
  maxRefusals: 50,
  refusalWindowMs: 10_000,
  typingTimeoutMs: 10_000,
  typingThrottleMs: 2_000,
  idempotencyWindowMs: 10 * 60_000,
  recentBufferSize: 1_000,
  maxRecovery: 10_000,
  maxBatchSize: 100,
  historyDefaultLimit: 50,
  historyMaxLimit: 100,
  softOutboundBytes: 1024 * 1024,
  hardOutboundBytes: 8 * 1024 * 1024,
  idleEvictMs: 60_000,
  pingIntervalMs: 30_000,
  peerTimeoutMs: 75_000,
  readPauseBytes: 64 * 1024,
  maxFramesWhileBacklogged: 256,
  frameBurst: 200,
  framesPerSecond: 50,
  userSendBurst: 30,
  userSendPerSecond: 15,
  userSendBytesBurst: 256 * 1024,
  userSendBytesPerSecond: 64 * 1024,
  maxRoomsPerConnection: 100,
  maxConnectionsPerUser: 20,
  roomCreatesPerMinute: 10,
  conversationsPerMinute: 10,
  maxMyRooms: 1000,
  joinBurst: 20,
  joinsPerSecond: 5,
  presenceGraceMs: 5_000,
  maxBodyBytes: 64 * 1024,
  membersDefaultLimit: 100,
  membersMaxLimit: 1000,
  roomMoveTimeoutMs: 30_000,
  maxUnackedSends: 100,
  linkSoftBytes: 1024 * 1024,
  linkHardBytes: 16 * 1024 * 1024,
  eventsMaxHeldPerRoom: 1_000,
  eventsMaxHeldBytes: 64 * 1024 * 1024,
  eventsPublishBatch: 100,
  eventsLingerMs: 200,
  eventsCursorEvery: 100,
  eventsCursorIdleMs: 1_000,
  eventsRetryMaxMs: 30_000,
  eventsMaxMembers: 1_000,
  eventsMembersCacheMs: 60_000,
}

export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...defaultLimits, ...overrides }
}

const KiB = 1024
const MiB = 1024 * KiB
const DAY_MS = 86_400_000

/**
 * The largest sane value of each limit (the smallest is 1). A value past it is an operator
 * mistake (a typo, a unit confusion) that would hand a client the memory or the time the
 * limit exists to protect; `loadConfig` refuses it at start. Timer limits stay far below
 * `setTimeout`'s 2^31-1 ms, past which a timer fires at once.
 */
export const limitMaxima: Limits = {
  maxTextLength: 1_000_000,
  maxFrameBytes: 16 * MiB,
  sendBurst: 10_000,
  sendPerSecond: 10_000,
  maxRefusals: 100_000,
  refusalWindowMs: DAY_MS,
  typingTimeoutMs: DAY_MS,
  typingThrottleMs: DAY_MS,
  idempotencyWindowMs: 7 * DAY_MS,
  recentBufferSize: 1_000_000,
  maxRecovery: 10_000_000,
  maxBatchSize: 10_000,
  historyDefaultLimit: 10_000,
  historyMaxLimit: 10_000,
  softOutboundBytes: 1024 * MiB,
  hardOutboundBytes: 1024 * MiB,
  idleEvictMs: DAY_MS,
  pingIntervalMs: DAY_MS,
  peerTimeoutMs: DAY_MS,
  readPauseBytes: 1024 * MiB,
  maxFramesWhileBacklogged: 1_000_000,
  frameBurst: 1_000_000,
  framesPerSecond: 1_000_000,
  userSendBurst: 1_000_000,
  userSendPerSecond: 1_000_000,
  userSendBytesBurst: 1024 * MiB,
  userSendBytesPerSecond: 1024 * MiB,
  maxRoomsPerConnection: 100_000,
  maxConnectionsPerUser: 100_000,
  roomCreatesPerMinute: 1_000_000,
  conversationsPerMinute: 1_000_000,
  maxMyRooms: 100_000,
  joinBurst: 1_000_000,
  joinsPerSecond: 1_000_000,
  presenceGraceMs: DAY_MS,
  maxBodyBytes: 1024 * MiB,
  membersDefaultLimit: 10_000,
  membersMaxLimit: 10_000,
  roomMoveTimeoutMs: DAY_MS,
  maxUnackedSends: 100_000,
  linkSoftBytes: 1024 * MiB,
  linkHardBytes: 4096 * MiB,
  eventsMaxHeldPerRoom: 1_000_000,
  eventsMaxHeldBytes: 16 * 1024 * MiB,
  eventsPublishBatch: 10_000,
  eventsLingerMs: 60_000,
  eventsCursorEvery: 1_000_000,
  eventsCursorIdleMs: DAY_MS,
  eventsRetryMaxMs: DAY_MS,
  eventsMaxMembers: 10_000,
  eventsMembersCacheMs: DAY_MS,
}

/**
 * Pairs of limits that make no sense together, each as `[smaller, larger, why]`: the first must
 * not exceed the second.
 */
export const limitOrder: readonly [keyof Limits, keyof Limits, string][] = [
  ['softOutboundBytes', 'hardOutboundBytes', 'a slow consumer is cut before it is ever called slow'],
  ['readPauseBytes', 'hardOutboundBytes', 'reading must pause before the connection is cut'],
  ['historyDefaultLimit', 'historyMaxLimit', 'the default page would be refused'],
  ['membersDefaultLimit', 'membersMaxLimit', 'the default member page would be refused'],
  ['linkSoftBytes', 'linkHardBytes', 'a slow node is cut before its typing is ever dropped'],
  ['pingIntervalMs', 'peerTimeoutMs', 'every peer would time out between two pings'],
  ['maxTextLength', 'maxFrameBytes', 'a message that long cannot fit in a frame'],
  ['maxTextLength', 'userSendBytesBurst', 'a message that long could never be sent'],
]

/** Problems of a full set of limits: a value out of range, or an order above broken. */
export function limitProblems(limits: Limits): { keys: (keyof Limits)[]; message: string }[] {
  const problems: { keys: (keyof Limits)[]; message: string }[] = []
  for (const key of Object.keys(limitMaxima) as (keyof Limits)[]) {
    const value = limits[key]
    if (!Number.isSafeInteger(value) || value < 1 || value > limitMaxima[key]) {
      problems.push({ keys: [key], message: `must be a whole number from 1 to ${limitMaxima[key]}, got ${value}` })
    }
  }
  for (const [low, high, why] of limitOrder) {
    if (limits[low] > limits[high]) {
      problems.push({
        keys: [low, high],
        message: `${low} (${limits[low]}) is above ${high} (${limits[high]}): ${why}`,
      })
    }
  }
  return problems
}
