/**
 * The actor host with what only the harness asks of it: is anything left to do, does a room
 * have a live actor, evict one now, is it draining. The server never asks, so `ActorHost`
 * does not carry them.
 */
import { ActorHost } from '../host.ts'

export class HarnessHost extends ActorHost {
  /** Evicts the room's actor now: a room socket closes with 1001, a /ws connection enters the room again. */
  async evict(roomId: string): Promise<void> {
    await this.actors.get(roomId)?.evictNow()
  }

  /** No event waits in any actor or session (the harness settles on this). */
  isQuiet(): boolean {
    for (const actor of this.actors.values()) if (!actor.mailbox.idle) return false
    for (const session of this.sessions) if (!session.idle) return false
    return true
  }

  isActive(roomId: string): boolean {
    return this.actors.has(roomId)
  }

  get isDraining(): boolean {
    return this.draining
  }
}
