/**
 * The node link's handshake (docs/cluster.md "The link"): challenge-response over HMAC-SHA256
 * with CLUSTER_SECRET, so the secret never crosses the wire and a recorded handshake cannot be
 * replayed (each side's proof covers the nonce the other side just drew).
 *
 *   server → client  {"hello": nonceS, "node": serverId}
 *   client → server  {"node": clientId, "nonce": nonceC, "proof": hmac("guildhall-link-v1|client|" + nonceS + "|" + clientId + "|" + serverId)}
 *   server → client  {"proof": hmac("guildhall-link-v1|server|" + nonceC + "|" + serverId + "|" + clientId)}
 *
 * Both ids are inside both proofs, so a proof made for one pair of nodes is worth nothing for
 * another; the client also checks that `serverId` is the node it meant to reach.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import * as v from 'valibot'

export const LINK_AUTH_VERSION = 'guildhall-link-v1'

const nodeId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/))
const nonce = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))
const proof = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))

const helloSchema = v.strictObject({ hello: nonce, node: nodeId })
const authSchema = v.strictObject({ node: nodeId, nonce, proof })
const welcomeSchema = v.strictObject({ proof })

export type Hello = v.InferOutput<typeof helloSchema>
export type Auth = v.InferOutput<typeof authSchema>
export type Welcome = v.InferOutput<typeof welcomeSchema>

/** Handshake messages are tiny; anything longer is not one. */
export const MAX_HANDSHAKE_BYTES = 1024

/** 32 random bytes, hex. */
export function newNonce(): string {
  return randomBytes(32).toString('hex')
}

export function clientProof(secret: string, serverNonce: string, clientId: string, serverId: string): string {
  return hmac(secret, `${LINK_AUTH_VERSION}|client|${serverNonce}|${clientId}|${serverId}`)
}

export function serverProof(secret: string, clientNonce: string, serverId: string, clientId: string): string {
  return hmac(secret, `${LINK_AUTH_VERSION}|server|${clientNonce}|${serverId}|${clientId}`)
}

/** Constant-time comparison of two proofs (both already checked to be 64 hex digits). */
export function proofsMatch(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex')
  const y = Buffer.from(b, 'hex')
  return x.length === 32 && y.length === 32 && timingSafeEqual(x, y)
}

export const parseHello = (text: string): Hello | undefined => parse(helloSchema, text)
export const parseAuth = (text: string): Auth | undefined => parse(authSchema, text)
export const parseWelcome = (text: string): Welcome | undefined => parse(welcomeSchema, text)

function parse<T>(schema: v.GenericSchema<unknown, T>, text: string): T | undefined {
  if (text.length > MAX_HANDSHAKE_BYTES) return undefined
  try {
    const result = v.safeParse(schema, JSON.parse(text))
    return result.success ? result.output : undefined
  } catch {
    return undefined
  }
}

function hmac(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex')
}
