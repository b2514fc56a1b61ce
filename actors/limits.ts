/**
 * Every limit the runtime enforces, by name, with its default. PROTOCOL.md section 7 fixes
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
  /** Most messages in one storage write (group commit). DynamoDB transactions take 100 items. */
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
  /** `join` and `leave` frames per connection: bucket capacity and refill per second. */
  joinBurst: number
  joinsPerSecond: number
  /** A user whose last connection leaves is announced offline only after this long; back
   * within it, nothing is announced (presence flapping is coalesced). */
  presenceGraceMs: number
  /** Largest HTTP request body; larger ones are refused with 413 before being read whole. */
  maxBodyBytes: number
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
  joinBurst: 20,
  joinsPerSecond: 5,
  presenceGraceMs: 5_000,
  maxBodyBytes: 64 * 1024,
}

export function resolveLimits(overrides: Partial<Limits> = {}): Limits {
  return { ...defaultLimits, ...overrides }
}
