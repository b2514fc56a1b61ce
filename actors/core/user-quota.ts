/**
 * Per-user quotas across every room and connection on this node, on injected time: messages
 * and bytes of text sent per second, rooms created on first use and conversations created per minute. The room
 * buckets (per user per room) cannot stop one user spreading sends over hundreds of rooms;
 * these can. The host owns one `UserQuotas` and hands it to every room core.
 *
 * Memory stays bounded: a user's entry is forgotten once all its buckets are full again and
 * the user has no connection, checked in sweeps that run when the table has doubled since
 * the last one (amortized O(1) per call).
 */
import type { Limits } from '../limits.ts'
import { TokenBucket } from './token-bucket.ts'

export type QuotaLimits = Pick<
  Limits,
  | 'userSendBurst'
  | 'userSendPerSecond'
  | 'userSendBytesBurst'
  | 'userSendBytesPerSecond'
  | 'roomCreatesPerMinute'
  | 'conversationsPerMinute'
>

export type QuotaAnswer = { ok: true } | { ok: false; retryAfterMs: number }

/** What a room core needs: take a send, give it back when the write did not count. */
export interface SendQuota {
  takeSend(userId: string, bytes: number, now: number): QuotaAnswer
  refundSend(userId: string, bytes: number): void
}

interface Entry {
  sends?: TokenBucket
  bytes?: TokenBucket
  creates?: TokenBucket
  conversations?: TokenBucket
}

const minSweepSize = 64

export class UserQuotas implements SendQuota {
  private readonly users = new Map<string, Entry>()
  private sweepAt = minSweepSize

  /** `connected(userId)`: does the user have an open connection on this node? */
  private readonly limits: QuotaLimits
  private readonly connected: (userId: string) => boolean
  constructor(limits: QuotaLimits, connected: (userId: string) => boolean) {
    this.limits = limits
    this.connected = connected
  }

  /** One message of `bytes` UTF-8 bytes: both buckets must allow it, or neither is charged. */
  takeSend(userId: string, bytes: number, now: number): QuotaAnswer {
    const entry = this.entry(userId, now)
    entry.sends ??= new TokenBucket(this.limits.userSendBurst, this.limits.userSendPerSecond, now)
    entry.bytes ??= new TokenBucket(this.limits.userSendBytesBurst, this.limits.userSendBytesPerSecond, now)
    const sends = entry.sends
    const size = entry.bytes
    const taken = sends.take(now)
    if (!taken.ok) return taken
    const sized = size.take(now, bytes)
    if (!sized.ok) sends.refund()
    return sized
  }

  refundSend(userId: string, bytes: number): void {
    const entry = this.users.get(userId)
    entry?.sends?.refund()
    entry?.bytes?.refund(bytes)
  }

  /** One room created on first use. */
  takeCreate(userId: string, now: number): QuotaAnswer {
    const entry = this.entry(userId, now)
    const perMinute = this.limits.roomCreatesPerMinute
    entry.creates ??= new TokenBucket(perMinute, perMinute / 60, now)
    return entry.creates.take(now)
  }

  /** The creation did not happen (the store failed, or the room already existed). */
  refundCreate(userId: string): void {
    this.users.get(userId)?.creates?.refund()
  }

  /** One conversation created (`POST /conversations`, a `dm` that makes one). */
  takeConversation(userId: string, now: number): QuotaAnswer {
    const entry = this.entry(userId, now)
    const perMinute = this.limits.conversationsPerMinute
    entry.conversations ??= new TokenBucket(perMinute, perMinute / 60, now)
    return entry.conversations.take(now)
  }

  /** The conversation was not made (the store failed, or the pair already had one). */
  refundConversation(userId: string): void {
    this.users.get(userId)?.conversations?.refund()
  }

  /** Users with an entry (tests check the table stays bounded). */
  get size(): number {
    return this.users.size
  }

  /** Forgets every entry that no longer changes anything: full buckets, no connection. */
  sweep(now: number): void {
    for (const [userId, entry] of this.users) {
      if (this.connected(userId)) continue
      const full = [entry.sends, entry.bytes, entry.creates, entry.conversations].every(
        (b) => b === undefined || b.isFull(now),
      )
      if (full) this.users.delete(userId)
    }
    this.sweepAt = Math.max(minSweepSize, this.users.size * 2)
  }

  private entry(userId: string, now: number): Entry {
    let entry = this.users.get(userId)
    if (entry) return entry
    if (this.users.size >= this.sweepAt) this.sweep(now)
    entry = {}
    this.users.set(userId, entry)
    return entry
  }
}
