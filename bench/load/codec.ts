/**
 * Client wire codecs for the load generator, chosen per target by ClientKind. The hot path
 * is `isMessage` on every received frame: a byte comparison, no JSON parse. Latency is read
 * from a sample only, from the send time embedded in the text (`t<microseconds>|...`).
 *
 * Socket.IO is spoken directly (Engine.IO v4 / Socket.IO v5 packets over a WebSocket) rather
 * than through socket.io-client, so the generator spends the same per frame on every target.
 */

export interface Codec {
  url(base: string, room: string, token: string): string
  /** Answer to the server's transport "open" frame (Socket.IO CONNECT), if the protocol has one. */
  hello(room: string, token: string): string | undefined
  isMessage(data: Buffer): boolean
  /** Non-message frames: what they mean to the client. */
  classify(data: Buffer): 'welcome' | 'ack' | 'error' | 'ping' | 'open' | 'other'
  encodeSend(id: string, text: string): string
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1')
const startsWith = (data: Buffer, prefix: Buffer): boolean =>
  data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0

const PLAIN_MESSAGE_PREFIX = b('{"type":"message"')
const PLAIN_MESSAGE = b('"type":"message"')
const PLAIN_WELCOME = b('"type":"welcome"')
const PLAIN_ACK = b('"type":"ack"')
const PLAIN_ERROR = b('"type":"error"')

export const plainCodec: Codec = {
  url: (base, room, token) => `${base}/ws/rooms/${room}?token=${token}`,
  hello: () => undefined,
  isMessage: (d) => startsWith(d, PLAIN_MESSAGE_PREFIX) || (d.length < 4096 && d.includes(PLAIN_MESSAGE)),
  classify(d) {
    if (d.includes(PLAIN_ACK)) return 'ack'
    if (d.includes(PLAIN_WELCOME)) return 'welcome'
    if (d.includes(PLAIN_ERROR)) return 'error'
    return 'other'
  },
  encodeSend: (id, text) => `{"type":"send","id":"${id}","text":"${text}"}`,
}

const SIO_MESSAGE = b('42["message"')
const SIO_WELCOME = b('42["welcome"')
const SIO_ACK = b('42["ack"')

export const socketioCodec: Codec = {
  url: (base) => `${base}/socket.io/?EIO=4&transport=websocket`,
  hello: (room, token) => `40${JSON.stringify({ token, room })}`,
  isMessage: (d) => startsWith(d, SIO_MESSAGE),
  classify(d) {
    const c0 = d[0]
    if (d.length === 1 && c0 === 0x32) return 'ping'
    if (c0 === 0x30) return 'open'
    if (startsWith(d, SIO_ACK)) return 'ack'
    if (startsWith(d, SIO_WELCOME)) return 'welcome'
    if (c0 === 0x34 && (d[1] === 0x34 || startsWith(d, b('42["refused"')))) return 'error'
    return 'other'
  },
  encodeSend: (id, text) => `42["send",{"type":"send","id":"${id}","text":"${text}"}]`,
}

export const codecs = { plain: plainCodec, socketio: socketioCodec } as const

const TEXT_KEY = b('"text":"t')

/** Send time (µs, process.hrtime clock) embedded in a message frame's text, or -1. */
export function sentAtMicros(d: Buffer): number {
  const i = d.indexOf(TEXT_KEY)
  if (i < 0) return -1
  let v = 0
  for (let j = i + TEXT_KEY.length; j < d.length; j++) {
    const c = d[j] as number
    if (c < 48 || c > 57) break
    v = v * 10 + (c - 48)
  }
  return v
}

export function nowMicros(): number {
  const [s, ns] = process.hrtime()
  return s * 1e6 + ns / 1e3
}
