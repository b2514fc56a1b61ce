/**
 * A TCP proxy for client tests that cuts connections at chosen moments. It forwards bytes
 * between a client and the server (`upstreamPort`, which a test may change, e.g. to a
 * restarted server), and once a connection is a WebSocket (the server answered 101) it reads
 * each frame in both directions (masked from the client, unmasked from the server; the server
 * negotiates no compression) and asks `onFrame` what to do with it:
 * - `pass`: forward it;
 * - `cut-before`: break the connection (both sockets destroyed) without forwarding it;
 * - `cut-after`: forward it, then break the connection;
 * - `cut-mid`: forward half of its bytes, then break the connection;
 * - `twice`: forward it twice (a network or server that repeats itself).
 * Plain HTTP requests (the client's fetches) pass through untouched.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'

export interface ProxiedFrame {
  /** `up`: client to server; `down`: server to client. */
  dir: 'up' | 'down'
  /** The text frame's JSON, or undefined for anything else. */
  json: Record<string, unknown> | undefined
}

export type Verdict = 'pass' | 'cut-before' | 'cut-after' | 'cut-mid' | 'twice'

export interface CuttingProxy {
  port: number
  /** `http://127.0.0.1:<port>` */
  http: string
  upstreamPort: number
  onFrame: ((frame: ProxiedFrame) => Verdict) | undefined
  /** Connections broken so far (by a verdict or `cutAll`). */
  cuts: number
  /** Connections accepted so far. */
  accepted: number
  /** Breaks every open connection now. */
  cutAll(): void
  close(): Promise<void>
}

export async function startCuttingProxy(upstreamPort: number): Promise<CuttingProxy> {
  const open = new Set<() => void>()
  const proxy: CuttingProxy = {
    port: 0,
    http: '',
    upstreamPort,
    onFrame: undefined,
    cuts: 0,
    accepted: 0,
    cutAll() {
      for (const cut of [...open]) cut()
    },
    async close() {
      proxy.cutAll()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server: Server = createServer((client) => {
    proxy.accepted++
    const upstream = connect(proxy.upstreamPort, '127.0.0.1')
    let broken = false
    const cut = () => {
      if (broken) return
      broken = true
      proxy.cuts++
      open.delete(cut)
      client.destroy()
      upstream.destroy()
    }
    open.add(cut)
    const end = () => {
      open.delete(cut)
      broken = true
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
    let upgraded = false
    const up = frameReader('up', upstream, () => upgraded)
    const down = frameReader('down', client, () => upgraded)
    client.on('data', (chunk: Buffer) => up(chunk))
    let head: Buffer | undefined = Buffer.alloc(0)
    upstream.on('data', (chunk: Buffer) => {
      if (head === undefined || upgraded) return down(chunk)
      head = Buffer.concat([head, chunk])
      const endOfHead = head.indexOf('\r\n\r\n')
      if (endOfHead < 0) return
      const headers = head.subarray(0, endOfHead + 4)
      const rest = head.subarray(endOfHead + 4)
      head = headers.toString('latin1').startsWith('HTTP/1.1 101') ? undefined : Buffer.alloc(0)
      client.write(headers)
      if (head === undefined) upgraded = true
      if (rest.length > 0) down(rest)
    })

    function frameReader(dir: 'up' | 'down', to: Socket, isWebSocket: () => boolean) {
      let pending = Buffer.alloc(0)
      return (chunk: Buffer) => {
        if (broken) return
        if (!isWebSocket()) {
          to.write(chunk)
          return
        }
        pending = Buffer.concat([pending, chunk])
        for (;;) {
          const frame = nextFrame(pending)
          if (!frame) return
          pending = pending.subarray(frame.raw.length)
          const verdict =
            frame.text === undefined || !proxy.onFrame ? 'pass' : proxy.onFrame({ dir, json: parse(frame.text) })
          if (verdict === 'pass') to.write(frame.raw)
          else if (verdict === 'twice') to.write(Buffer.concat([frame.raw, frame.raw]))
          else if (verdict === 'cut-before') return cut()
          else if (verdict === 'cut-after') return void to.write(frame.raw, cut)
          else return void to.write(frame.raw.subarray(0, Math.max(1, frame.raw.length >> 1)), cut)
        }
      }
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  proxy.port = typeof address === 'object' && address ? address.port : 0
  proxy.http = `http://127.0.0.1:${proxy.port}`
  return proxy
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/** One whole WebSocket frame at the start of `buf`, or undefined if it has not all arrived. */
function nextFrame(buf: Buffer): { raw: Buffer; text: string | undefined } | undefined {
  if (buf.length < 2) return undefined
  const opcode = buf[0]! & 0x0f
  const masked = (buf[1]! & 0x80) !== 0
  let length = buf[1]! & 0x7f
  let offset = 2
  if (length === 126) {
    if (buf.length < 4) return undefined
    length = buf.readUInt16BE(2)
    offset = 4
  } else if (length === 127) {
    if (buf.length < 10) return undefined
    length = Number(buf.readBigUInt64BE(2))
    offset = 10
  }
  const maskAt = offset
  if (masked) offset += 4
  if (buf.length < offset + length) return undefined
  const raw = buf.subarray(0, offset + length)
  if (opcode !== 1) return { raw, text: undefined }
  const payload = Buffer.from(buf.subarray(offset, offset + length))
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= buf[maskAt + (i & 3)]!
  return { raw, text: payload.toString('utf8') }
}
