/**
 * The node link in memory, for the deterministic simulator: every node's LinkTransport over
 * one `MemoryNetwork`, on the injected clock and random source, so a seed replays exactly.
 *
 * - Each message takes a delay drawn from [minDelayMs, maxDelayMs], and never overtakes the
 *   one sent before it on the same channel (FIFO, as on one TCP connection).
 * - `bufferedAmount` is the bytes a side sent that have not arrived yet.
 * - `terminate` (and `close`) drop the link as `ws` does: what the side already sent still
 *   arrives (it was in the kernel), then the peer sees the close; nothing reaches the side
 *   that terminated any more. Its own `onClose` comes on the next clock turn, never inside
 *   the call.
 * - `partition(a, b)` cuts every link between a and b: everything in flight is lost, both
 *   sides see the close, and connecting fails until `heal`. `crash(node)` cuts all of the
 *   node's links the same way (the dead side hears nothing), closes its transports, and
 *   refuses connections to and from it until `restart(node)`.
 */
import { utf8Length } from '../../core/utf8-length.ts'
import type { Clock } from '../../clock.ts'
import type { LinkChannel, LinkTransport } from '../../cluster/ports.ts'

export interface MemoryNetworkOptions {
  clock: Clock
  /** Uniform in [0, 1): the simulator's seeded generator. */
  random: () => number
  /** Delay of each message, each connect and each close notice, in ms (both included). */
  minDelayMs?: number
  maxDelayMs?: number
}

interface Link {
  /** Partitioned or crashed: everything in flight is lost. */
  cut: boolean
}

class MemoryChannel implements LinkChannel {
  onMessage: (data: string) => void = () => {}
  onClose: () => void = () => {}
  other!: MemoryChannel
  closed = false
  private inFlight = 0
  /** When the last message sent on this side arrives: the next may not arrive before it. */
  private lastAt = 0

  private readonly net: MemoryNetwork
  readonly link: Link
  readonly node: string
  readonly peer: string
  readonly transport: MemoryTransport
  constructor(net: MemoryNetwork, link: Link, node: string, peer: string, transport: MemoryTransport) {
    this.net = net
    this.link = link
    this.node = node
    this.peer = peer
    this.transport = transport
  }

  send(data: string): void {
    if (this.closed) return
    const bytes = utf8Length(data)
    const at = Math.max(this.lastAt, this.net.clock.now() + this.net.delay())
    this.lastAt = at
    this.inFlight += bytes
    this.net.sent++
    this.net.clock.at(at, () => {
      this.inFlight -= bytes
      const to = this.other
      if (this.link.cut || to.closed) {
        this.net.dropped++
        return
      }
      this.net.delivered++
      to.onMessage(data)
    })
  }

  bufferedAmount(): number {
    return this.closed ? 0 : this.inFlight
  }

  terminate(_reason: string): void {
    if (this.closed) return
    this.closeHere()
    // The peer hears of it after what this side already sent.
    const to = this.other
    this.net.clock.at(Math.max(this.lastAt, this.net.clock.now() + this.net.delay()), () => {
      if (!to.closed) to.closeHere()
    })
  }

  /** Closed on this side: sends stop, arrivals are dropped, `onClose` on the next turn. */
  closeHere(notify = true): void {
    this.closed = true
    this.transport.channels.delete(this)
    if (notify) this.net.clock.at(this.net.clock.now(), () => this.onClose())
  }
}

class MemoryTransport implements LinkTransport {
  onAccept: (channel: LinkChannel) => void = () => {}
  closed = false
  readonly channels = new Set<MemoryChannel>()

  private readonly net: MemoryNetwork
  readonly node: string
  readonly address: string
  constructor(net: MemoryNetwork, node: string, address: string) {
    this.net = net
    this.node = node
    this.address = address
  }

  connect(peer: string, address: string): Promise<LinkChannel> {
    return new Promise((resolve, reject) => {
      this.net.clock.at(this.net.clock.now() + this.net.delay(), () => {
        const why = this.net.refusal(this, peer, address)
        if (why) return reject(new Error(`link to ${peer} at ${address}: ${why}`))
        const target = this.net.listening(address)!
        const link: Link = { cut: false }
        const here = new MemoryChannel(this.net, link, this.node, peer, this)
        const there = new MemoryChannel(this.net, link, peer, this.node, target)
        here.other = there
        there.other = here
        this.channels.add(here)
        target.channels.add(there)
        target.onAccept(there)
        resolve(here)
      })
    })
  }

  close(): Promise<void> {
    this.closed = true
    for (const channel of [...this.channels]) channel.terminate('transport closed')
    return Promise.resolve()
  }
}

export class MemoryNetwork {
  readonly clock: Clock
  private readonly random: () => number
  private readonly minDelayMs: number
  private readonly maxDelayMs: number
  private readonly byAddress = new Map<string, MemoryTransport>()
  private readonly transports = new Set<MemoryTransport>()
  private readonly cuts = new Set<string>()
  private readonly crashed = new Set<string>()
  /** Messages sent, delivered, and lost to a close, a partition or a crash. */
  sent = 0
  delivered = 0
  dropped = 0

  constructor(opts: MemoryNetworkOptions) {
    this.clock = opts.clock
    this.random = opts.random
    this.minDelayMs = opts.minDelayMs ?? 1
    this.maxDelayMs = Math.max(this.minDelayMs, opts.maxDelayMs ?? 10)
  }

  /** The link endpoint of a node at `address` (a new one for each incarnation replaces the last). */
  transport(node: string, address: string): LinkTransport {
    const transport = new MemoryTransport(this, node, address)
    if (this.crashed.has(node)) transport.closed = true
    this.byAddress.set(address, transport)
    this.transports.add(transport)
    return transport
  }

  /** No link between `a` and `b` until healed: open ones are cut, new ones fail. */
  partition(a: string, b: string): void {
    this.cuts.add(pair(a, b))
    this.cutWhere((c) => (c.node === a && c.peer === b) || (c.node === b && c.peer === a))
  }

  heal(a: string, b: string): void {
    this.cuts.delete(pair(a, b))
  }

  healAll(): void {
    this.cuts.clear()
  }

  /** kill -9: every link of the node is cut (its peers see the close), its transports accept nothing. */
  crash(node: string): void {
    this.crashed.add(node)
    for (const t of this.transports) if (t.node === node) t.closed = true
    this.cutWhere((c) => c.node === node || c.peer === node)
  }

  /** The node may link again, through a new `transport`. */
  restart(node: string): void {
    this.crashed.delete(node)
  }

  /** Open links, counted once per pair of channels. */
  openLinks(): number {
    let n = 0
    for (const t of this.transports) n += t.channels.size
    return n / 2
  }

  /** @internal */
  delay(): number {
    return this.minDelayMs + Math.floor(this.random() * (this.maxDelayMs - this.minDelayMs + 1))
  }

  /** @internal The transport listening at `address`, if it accepts. */
  listening(address: string): MemoryTransport | undefined {
    const t = this.byAddress.get(address)
    return t && !t.closed && !this.crashed.has(t.node) ? t : undefined
  }

  /** @internal Why `from` cannot link to `peer` at `address` now, if it cannot. */
  refusal(from: MemoryTransport, peer: string, address: string): string | undefined {
    if (from.closed || this.crashed.has(from.node)) return 'this transport is closed'
    const target = this.listening(address)
    if (!target) return 'nothing listens there'
    if (target.node !== peer) return `the node there is ${target.node}`
    if (this.cuts.has(pair(from.node, peer))) return 'unreachable (partition)'
    return undefined
  }

  private cutWhere(match: (c: MemoryChannel) => boolean): void {
    for (const t of this.transports) {
      for (const c of [...t.channels]) {
        if (c.closed || !match(c)) continue
        c.link.cut = true
        const dead = this.crashed.has(c.node)
        // The survivor notices after a network delay; a crashed side hears nothing ever again.
        if (dead) c.closeHere(false)
        else {
          c.closed = true
          t.channels.delete(c)
          this.clock.at(this.clock.now() + this.delay(), () => c.onClose())
        }
      }
    }
  }
}

function pair(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`
}
