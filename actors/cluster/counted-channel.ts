/**
 * A link channel that counts what crosses it (guildhall.link.messages and guildhall.link.bytes,
 * by direction; docs/operations.md "Metrics"). Used only when metrics are on, so the link's
 * path without metrics is untouched.
 */
import { utf8Length } from '../core/utf8-length.ts'
import { linkIn, linkOut, type HostMetrics } from '../metrics.ts'
import type { LinkChannel } from './ports.ts'

export function countedChannel(channel: LinkChannel, metrics: HostMetrics): LinkChannel {
  let onMessage: (data: string) => void = () => {}
  channel.onMessage = (data) => {
    metrics.linkMessages.add(1, linkIn)
    metrics.linkBytes.add(utf8Length(data), linkIn)
    onMessage(data)
  }
  return {
    get peer() {
      return channel.peer
    },
    send(data) {
      metrics.linkMessages.add(1, linkOut)
      metrics.linkBytes.add(utf8Length(data), linkOut)
      channel.send(data)
    },
    bufferedAmount: () => channel.bufferedAmount(),
    terminate: (reason) => channel.terminate(reason),
    get onMessage() {
      return onMessage
    },
    set onMessage(handler) {
      onMessage = handler
    },
    get onClose() {
      return channel.onClose
    },
    set onClose(handler) {
      channel.onClose = handler
    },
  }
}
