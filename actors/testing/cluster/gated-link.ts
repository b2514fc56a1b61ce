/**
 * A node's link transport as its process sees it: every link event (a message, a close, an
 * accepted link, a connect's answer) enters the node through its gate, so a paused node
 * reads nothing until it resumes (its peers' messages wait, in order, as in a socket buffer)
 * and a crashed one never reads again (the network cuts its links: memory-link.ts `crash`).
 */
import type { LinkChannel, LinkTransport } from '../../cluster/ports.ts'
import type { NodeGate } from './sim-clock.ts'

class GatedChannel implements LinkChannel {
  onMessage: (data: string) => void = () => undefined
  onClose: () => void = () => undefined

  private readonly inner: LinkChannel
  constructor(inner: LinkChannel, gate: NodeGate) {
    this.inner = inner
    inner.onMessage = gate.wrap((data: string) => this.onMessage(data))
    inner.onClose = gate.wrap(() => this.onClose())
  }

  get peer(): string {
    return this.inner.peer
  }

  send(data: string): void {
    this.inner.send(data)
  }

  bufferedAmount(): number {
    return this.inner.bufferedAmount()
  }

  terminate(reason: string): void {
    this.inner.terminate(reason)
  }
}

export class GatedTransport implements LinkTransport {
  onAccept: (channel: LinkChannel) => void = () => undefined

  private readonly inner: LinkTransport
  private readonly gate: NodeGate
  constructor(inner: LinkTransport, gate: NodeGate) {
    this.inner = inner
    this.gate = gate
    inner.onAccept = (channel) => {
      // Wrapped at once, so that messages arriving while the node is paused queue behind the accept.
      const gated = new GatedChannel(channel, gate)
      gate.run(() => this.onAccept(gated))
    }
  }

  connect(peer: string, address: string): Promise<LinkChannel> {
    return new Promise((resolve, reject) => {
      this.inner.connect(peer, address).then(
        (channel) => {
          const gated = new GatedChannel(channel, this.gate)
          this.gate.run(() => resolve(gated))
        },
        (err: unknown) => this.gate.run(() => reject(err)),
      )
    })
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
