/**
 * Recently stored messages by (sender, client id), so a repeated `send` is answered with the
 * original ack and stores nothing. Entries live `windowMs` after their message's `ts`.
 */
import { clientKey } from '../store-rules.ts'
import type { StoredMessage } from '../store.ts'

export interface Remembered {
  seq: number
  messageId: string
  ts: number
}

export class IdempotencyWindow {
  private readonly entries = new Map<string, Remembered>()

  private readonly windowMs: number
  constructor(windowMs: number) {
    this.windowMs = windowMs
  }

  /** The stores' own key (unambiguous for any two strings). */
  static key(senderId: string, clientId: string): string {
    return clientKey(senderId, clientId)
  }

  remember(m: StoredMessage): void {
    this.entries.set(IdempotencyWindow.key(m.senderId, m.clientId), { seq: m.seq, messageId: m.id, ts: m.ts })
  }

  find(senderId: string, clientId: string, now: number): Remembered | undefined {
    const hit = this.entries.get(IdempotencyWindow.key(senderId, clientId))
    return hit && now - hit.ts < this.windowMs ? hit : undefined
  }

  /** Drops expired entries. Map order is insertion order, which is ts order. */
  prune(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.ts < this.windowMs) break
      this.entries.delete(key)
    }
  }

  get size(): number {
    return this.entries.size
  }
}
