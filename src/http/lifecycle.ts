/**
 * The node's readiness: once draining, `/ready` answers 503 and new sockets are refused.
 * A part of the node may also hold readiness back while it cannot serve as it should (the
 * cluster, when this node's leases are foreign to most of the table): `/ready` answers 503
 * with its reason, so the load balancer sends it no clients.
 */
export class Lifecycle {
  #draining = false
  readonly #holds = new Map<string, string>()

  get draining(): boolean {
    return this.#draining
  }

  startDraining(): void {
    this.#draining = true
  }

  /** `part` is not ready, for `reason` (until `release(part)`). */
  hold(part: string, reason: string): void {
    this.#holds.set(part, reason)
  }

  release(part: string): void {
    this.#holds.delete(part)
  }

  /** Why `/ready` should answer 503, if it should. */
  notReady(): string | undefined {
    if (this.#draining) return 'draining'
    for (const reason of this.#holds.values()) return reason
    return undefined
  }
}
