/**
 * Web Push message encryption (RFC 8291 over RFC 8188's `aes128gcm`), on WebCrypto alone
 * (ECDH P-256, HKDF-SHA-256, AES-128-GCM) so it runs the same on Node and Deno. One record:
 * a notification is far below the 4096-byte record size push services accept.
 */

/** The record size written in the header; push services accept at most 4096 bytes of body. */
const RECORD_SIZE = 4096
/** Header: salt (16) + record size (4) + key id length (1) + the server's public key (65). */
const HEADER_BYTES = 16 + 4 + 1 + 65
const TAG_BYTES = 16
/** The largest payload one 4096-byte push body carries: less the header, the tag and the delimiter. */
export const MAX_PAYLOAD_BYTES = RECORD_SIZE - HEADER_BYTES - TAG_BYTES - 1

/** The subscription's keys, decoded: `p256dh` a 65-byte uncompressed P-256 point, `auth` 16 bytes. */
export interface SubscriptionKeys {
  p256dh: Uint8Array
  auth: Uint8Array
}

/** Fixed inputs, for RFC 8291's test vector only: production draws a fresh salt and key pair per message. */
export interface FixedInputs {
  salt: Uint8Array
  serverKeys: CryptoKeyPair
}

const text = (s: string) => new TextEncoder().encode(s)

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', concat(ikm), 'HKDF', false, ['deriveBits'])
  const bits = await crypto.subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: concat(salt), info: concat(info) },
    key,
    bytes * 8,
  )
  return new Uint8Array(bits)
}

/** The body of a push message carrying `payload` to the subscription with `keys`. */
export async function encryptAes128gcm(
  payload: Uint8Array,
  keys: SubscriptionKeys,
  fixed?: FixedInputs,
): Promise<Uint8Array<ArrayBuffer>> {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`payload over ${MAX_PAYLOAD_BYTES} bytes`)
  const serverKeys =
    fixed?.serverKeys ??
    ((await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair)
  const salt = fixed?.salt ?? crypto.getRandomValues(new Uint8Array(16))
  const serverPublic = new Uint8Array(await crypto.subtle.exportKey('raw', serverKeys.publicKey))
  const userAgentKey = await crypto.subtle.importKey(
    'raw',
    concat(keys.p256dh),
    { name: 'ECDH', namedCurve: 'P-256' },
    false,
    [],
  )
  const ecdhSecret = new Uint8Array(
    await crypto.subtle.deriveBits({ name: 'ECDH', public: userAgentKey }, serverKeys.privateKey, 256),
  )
  // RFC 8291 §3.3-3.4: the auth secret and both public keys bind the key to this subscription.
  const ikm = await hkdf(keys.auth, ecdhSecret, concat(text('WebPush: info\0'), keys.p256dh, serverPublic), 32)
  const cek = await hkdf(salt, ikm, text('Content-Encoding: aes128gcm\0'), 16)
  const nonce = await hkdf(salt, ikm, text('Content-Encoding: nonce\0'), 12)
  const aesKey = await crypto.subtle.importKey('raw', concat(cek), 'AES-GCM', false, ['encrypt'])
  // The last (and only) record ends with the delimiter 0x02 and no padding.
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: concat(nonce) },
    aesKey,
    concat(payload, Uint8Array.of(2)),
  )
  const header = new Uint8Array(HEADER_BYTES)
  header.set(salt, 0)
  new DataView(header.buffer).setUint32(16, RECORD_SIZE)
  header[20] = serverPublic.length
  header.set(serverPublic, 21)
  return concat(header, new Uint8Array(sealed))
}
