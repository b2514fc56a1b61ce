/**
 * The node-wide cap on events held in memory waiting for the queue (`eventsMaxHeldBytes`):
 * rooms take from it before holding events and give back what they publish or drop. A room
 * refused drops its held events and reads them again from the store later, so an unreachable
 * queue costs a bounded amount of memory however many rooms write.
 */
export class EventsBudget {
  private heldBytes = 0
  private readonly maxBytes: number
  constructor(maxBytes: number) {
    this.maxBytes = maxBytes
  }

  /** Room for `bytes` more: taken (true) or refused (false, nothing taken). */
  take(bytes: number): boolean {
    if (this.heldBytes + bytes > this.maxBytes) return false
    this.heldBytes += bytes
    return true
  }

  give(bytes: number): void {
    this.heldBytes = Math.max(0, this.heldBytes - bytes)
  }

  /** Bytes held now, by every room of this node (tests measure it). */
  get held(): number {
    return this.heldBytes
  }
}

/** What one held event counts against the budget: its text at most 3 UTF-8 bytes a UTF-16
 * code unit, plus the rest of the event. An estimate, cheap and never below the truth. */
export function heldBytes(text: string): number {
  return text.length * 3 + 256
}
