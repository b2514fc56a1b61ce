/**
 * Revocations and room closes this node announced, kept so that nodes out of reach when
 * they were made still hear them (docs/cluster.md, claim 8): remembered for `memoryMs` (at
 * most `max`), with the announcements each live peer could not be given, to try again. No
 * I/O: the cluster node sends; this decides what and to whom. Times are monotonic ms.
 */
import type { NodeHeader } from './link-frames.ts'

export class Announcements {
  private readonly recent: { header: NodeHeader; at: number }[] = []
  private readonly undelivered = new Map<string, Set<NodeHeader>>()

  private readonly max: number
  private readonly memoryMs: number
  constructor(max = 1_000, memoryMs = 10 * 60_000) {
    this.max = max
    this.memoryMs = memoryMs
  }

  /** A new announcement at `now`. */
  add(header: NodeHeader, now: number): void {
    this.recent.push({ header, at: now })
    this.prune(now)
  }

  /** Every announcement still remembered, oldest first (for a node that joins, a new link). */
  all(now: number): NodeHeader[] {
    this.prune(now)
    return this.recent.map((a) => a.header)
  }

  /** `peer` could not be given `header`: keep it for the next retry. */
  missed(peer: string, header: NodeHeader): void {
    let pending = this.undelivered.get(peer)
    if (!pending) {
      pending = new Set()
      this.undelivered.set(peer, pending)
    }
    if (pending.size < this.max) pending.add(header)
  }

  /** What to try again now, by peer (only what is still remembered); forgets the list. */
  retries(now: number): [string, NodeHeader[]][] {
    this.prune(now)
    const remembered = new Set(this.recent.map((a) => a.header))
    const out: [string, NodeHeader[]][] = []
    for (const [peer, pending] of this.undelivered) out.push([peer, [...pending].filter((h) => remembered.has(h))])
    this.undelivered.clear()
    return out
  }

  private prune(now: number): void {
    const horizon = now - this.memoryMs
    while (this.recent.length > 0 && (this.recent.length > this.max || this.recent[0]!.at < horizon))
      this.recent.shift()
  }
}
