/**
 * A local Web Push service for tests: it hands out subscriptions as a browser would (its own
 * P-256 key pair and auth secret each, the endpoint on this server) and, for each push it gets,
 * checks the VAPID JWT's signature against the application server's public key (RFC 8292) and
 * DECRYPTS the body (RFC 8291/8188) with node:crypto, an implementation independent of the
 * WebCrypto one that encrypted it. So a test sees what the device would show, not just a call.
 *
 *   const rx = await startWebPushReceiver({ vapidPublicKey })
 *   const sub = rx.subscribe()            // -> { endpoint, keys: { p256dh, auth } }
 *   ... push ...; rx.received             // [{ endpoint, payload, text, headers, claims }]
 *   rx.answer(410, { endpoint, times: 1 }) // or 404, 429, 500, 'hang'
 *   rx.unsubscribe(endpoint)              // then it answers 410 like a real push service
 *
 * Answers: 201 with a Location when verified and decrypted; 401 a bad VAPID header (recorded in
 * `rejected`); 400 a body that does not decrypt (`rejected`); 404 an unknown endpoint; 410 an
 * unsubscribed one; planned answers first. A hang is held until `close()`.
 */
import { createDecipheriv, createECDH, hkdfSync, randomBytes, randomUUID, type ECDH } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { importJWK, jwtVerify, type JWTPayload } from 'jose'
import type { WebPushSubscription } from '../../src/notifier/ports.ts'

export interface Delivery {
  endpoint: string
  /** The decrypted body, parsed as JSON. */
  payload: unknown
  text: string
  headers: { ttl?: string; urgency?: string; topic?: string; contentEncoding?: string }
  /** The verified VAPID JWT's claims. */
  claims: JWTPayload
}

export interface WebPushReceiver {
  url: string
  subscribe(): WebPushSubscription
  unsubscribe(endpoint: string): void
  received: Delivery[]
  rejected: { endpoint: string; status: number; reason: string }[]
  /** Requests answered so far, planned answers and hangs included. */
  requests: number
  /** The next `times` (default 1) requests (to `endpoint`, or any) answer `status` or hang. */
  answer(status: number | 'hang', opts?: { endpoint?: string; times?: number }): void
  close(): Promise<void>
}

interface Subscriber {
  ecdh: ECDH
  publicKey: Buffer
  auth: Buffer
  gone: boolean
}

const b64url = (b: Buffer) => b.toString('base64url')

/** Decrypts an `aes128gcm` body (RFC 8188 §2, RFC 8291 §3.4) for the subscriber; throws if it does not. */
export function decryptAes128gcm(body: Buffer, sub: { ecdh: ECDH; publicKey: Buffer; auth: Buffer }): Buffer {
  if (body.length < 21) throw new Error('body shorter than its header')
  const salt = body.subarray(0, 16)
  const rs = body.readUInt32BE(16)
  const idlen = body[20]!
  const keyId = body.subarray(21, 21 + idlen)
  const record = body.subarray(21 + idlen)
  if (idlen !== 65) throw new Error(`key id of ${idlen} bytes, not a P-256 public key`)
  if (rs < 18 || record.length > rs) throw new Error(`one record expected (rs ${rs}, ${record.length} bytes)`)
  const secret = sub.ecdh.computeSecret(keyId)
  const info = Buffer.concat([Buffer.from('WebPush: info\0'), sub.publicKey, keyId])
  const ikm = Buffer.from(hkdfSync('sha256', secret, sub.auth, info, 32))
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16))
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12))
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce)
  decipher.setAuthTag(record.subarray(record.length - 16))
  const plain = Buffer.concat([decipher.update(record.subarray(0, record.length - 16)), decipher.final()])
  let end = plain.length - 1
  while (end >= 0 && plain[end] === 0) end--
  if (plain[end] !== 2) throw new Error('the last record lacks its 0x02 delimiter')
  return plain.subarray(0, end)
}

export async function startWebPushReceiver(opts: {
  vapidPublicKey: string
  now?: () => number
}): Promise<WebPushReceiver> {
  const vapidPoint = Buffer.from(opts.vapidPublicKey, 'base64url')
  const vapidKey = await importJWK(
    { kty: 'EC', crv: 'P-256', x: b64url(vapidPoint.subarray(1, 33)), y: b64url(vapidPoint.subarray(33)) },
    'ES256',
  )
  const now = opts.now ?? Date.now
  const subscribers = new Map<string, Subscriber>()
  const plans: { status: number | 'hang'; endpoint?: string; times: number }[] = []
  const hanging = new Set<ServerResponse>()
  let base = ''

  const receiver: WebPushReceiver = {
    url: '',
    received: [],
    rejected: [],
    requests: 0,
    subscribe() {
      const ecdh = createECDH('prime256v1')
      const publicKey = ecdh.generateKeys()
      const auth = randomBytes(16)
      const endpoint = `${base}/push/${randomUUID()}`
      subscribers.set(endpoint, { ecdh, publicKey, auth, gone: false })
      return { endpoint, keys: { p256dh: b64url(publicKey), auth: b64url(auth) } }
    },
    unsubscribe(endpoint) {
      const sub = subscribers.get(endpoint)
      if (sub) sub.gone = true
    },
    answer(status, o = {}) {
      plans.push({ status, times: o.times ?? 1, ...(o.endpoint !== undefined && { endpoint: o.endpoint }) })
    },
    async close() {
      for (const res of hanging) res.destroy()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }

  const verifyVapid = async (req: IncomingMessage): Promise<JWTPayload> => {
    const m = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '')
    if (!m) throw new Error('no "vapid t=..., k=..." authorization')
    if (m[2] !== opts.vapidPublicKey) throw new Error('k is not the application server key')
    const { payload } = await jwtVerify(m[1]!, vapidKey, {
      algorithms: ['ES256'],
      audience: base,
      currentDate: new Date(now()),
    })
    const nowS = Math.floor(now() / 1000)
    if (typeof payload.exp !== 'number' || payload.exp > nowS + 24 * 3600) throw new Error('exp over 24 h ahead')
    if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) throw new Error('sub not a contact')
    return payload
  }

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    receiver.requests++
    const endpoint = `${base}${req.url}`
    const plan = plans.find((p) => p.endpoint === undefined || p.endpoint === endpoint)
    if (plan) {
      if (--plan.times <= 0) plans.splice(plans.indexOf(plan), 1)
      if (plan.status === 'hang') {
        hanging.add(res)
        return
      }
      res.writeHead(plan.status).end(`planned ${plan.status}`)
      return
    }
    const sub = subscribers.get(endpoint)
    if (req.method !== 'POST' || !sub) return void res.writeHead(404).end('no such subscription')
    if (sub.gone) return void res.writeHead(410).end('unsubscribed')
    let claims: JWTPayload
    try {
      claims = await verifyVapid(req)
    } catch (err) {
      receiver.rejected.push({ endpoint, status: 401, reason: (err as Error).message })
      return void res.writeHead(401).end((err as Error).message)
    }
    let text: string
    let payload: unknown
    try {
      if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error('content-encoding is not aes128gcm')
      text = decryptAes128gcm(body, sub).toString('utf8')
      payload = JSON.parse(text)
    } catch (err) {
      receiver.rejected.push({ endpoint, status: 400, reason: (err as Error).message })
      return void res.writeHead(400).end((err as Error).message)
    }
    const header = (name: string) => req.headers[name] as string | undefined
    receiver.received.push({
      endpoint,
      payload,
      text,
      claims,
      headers: {
        ttl: header('ttl'),
        urgency: header('urgency'),
        topic: header('topic'),
        contentEncoding: header('content-encoding'),
      },
    })
    res.writeHead(201, { location: `${base}/message/${randomUUID()}` }).end()
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  receiver.url = base
  return receiver
}

/** A VAPID key pair in the variables' format (base64url: the 65-byte public point, the 32-byte scalar). */
export function makeVapidKeys(): { publicKey: string; privateKey: string } {
  const ecdh = createECDH('prime256v1')
  const publicKey = ecdh.generateKeys()
  const d = ecdh.getPrivateKey()
  // getPrivateKey drops leading zero bytes; the variable holds all 32.
  return { publicKey: b64url(publicKey), privateKey: b64url(Buffer.concat([Buffer.alloc(32 - d.length), d])) }
}
