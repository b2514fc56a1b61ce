/**
 * The Web Push transport (RFC 8030): one POST to the subscription's endpoint, its body the
 * notification as JSON encrypted for that subscription (webpush-encrypt.ts, RFC 8291) and the
 * request signed with VAPID (vapid.ts, RFC 8292). Dependency-free WebCrypto rather than the
 * `web-push` package (docs/events.md "Push worker" says why). Answers: 201 (any 2xx) sent;
 * 404/410 the subscription is gone; 429 and 5xx retryable, as is a push service that does not
 * answer within `timeoutMs` or cannot be reached; anything else a permanent failure of this
 * notification. Redirects are not followed: a push service does not redirect, and following
 * one would let a registered endpoint point the worker at any address.
 */
import type { Device, PushNotification, PushResult, PushTransport } from './ports.ts'
import { fromBase64url, toBase64url } from './base64url.ts'
import { isLoopbackHost } from './endpoint.ts'
import { isP256Point } from './p256.ts'
import { loadVapid, type VapidKeys } from './vapid.ts'
import { encryptAes128gcm, MAX_PAYLOAD_BYTES } from './webpush-encrypt.ts'

/** A push service that has not answered in this long is abandoned; the send is retryable. */
export const DEFAULT_WEBPUSH_TIMEOUT_MS = 10_000
/** How long a push service keeps a notification for a device that is offline (`TTL` header): a day. */
export const DEFAULT_WEBPUSH_TTL_SECONDS = 24 * 60 * 60

export interface WebPushOptions {
  vapid: VapidKeys
  /** Default `DEFAULT_WEBPUSH_TIMEOUT_MS` (10 s). */
  timeoutMs?: number
  /** Default `DEFAULT_WEBPUSH_TTL_SECONDS` (one day). */
  ttlSeconds?: number
  fetch?: typeof fetch
  now?: () => number
}

const fail = (reason: string, how: { gone?: boolean; retryable?: boolean } = {}): PushResult => ({
  ok: false,
  gone: how.gone ?? false,
  retryable: how.retryable ?? false,
  reason,
})

/** What a push service's answer means for this device (RFC 8030 §5, §8.4). */
export function classifyWebPushAnswer(status: number, detail = ''): PushResult {
  const why = `webpush ${status}${detail ? `: ${detail}` : ''}`
  if (status >= 200 && status < 300) return { ok: true }
  if (status === 404 || status === 410) return fail(why, { gone: true })
  if (status === 429 || status >= 500) return fail(why, { retryable: true })
  return fail(why)
}

/** A `Topic` (at most 32 base64url characters) from the message id: a retry replaces a copy still queued. */
async function topicOf(messageId: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(messageId))
  return toBase64url(new Uint8Array(digest)).slice(0, 32)
}

/** Loads and checks the VAPID keys (a start-up error if they are not a pair). */
export async function createWebPushTransport(opts: WebPushOptions): Promise<PushTransport> {
  const vapid = await loadVapid(opts.vapid, opts.now)
  const doFetch = opts.fetch ?? fetch
  const timeoutMs = opts.timeoutMs ?? DEFAULT_WEBPUSH_TIMEOUT_MS
  const ttl = String(opts.ttlSeconds ?? DEFAULT_WEBPUSH_TTL_SECONDS)

  return {
    async send(device: Device, notification: PushNotification): Promise<PushResult> {
      if (device.platform !== 'webpush') return fail(`not a Web Push device (${device.platform})`)
      const { endpoint, keys } = device.subscription
      let url: URL
      try {
        url = new URL(endpoint)
      } catch {
        return fail('webpush endpoint is not a URL')
      }
      if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))))
        return fail('webpush endpoint must be https')
      const p256dh = fromBase64url(keys.p256dh)
      const auth = fromBase64url(keys.auth)
      if (!p256dh || !isP256Point(p256dh) || auth?.length !== 16) return fail('webpush subscription keys malformed')
      const payload = new TextEncoder().encode(JSON.stringify(notification))
      if (payload.length > MAX_PAYLOAD_BYTES) return fail(`webpush payload over ${MAX_PAYLOAD_BYTES} bytes`)
      let body: Uint8Array<ArrayBuffer>
      try {
        body = await encryptAes128gcm(payload, { p256dh, auth })
      } catch (err) {
        // The keys passed every check; a runtime refusing them is this subscription's problem.
        return fail(`webpush encryption: ${(err as Error).message}`)
      }
      const headers: Record<string, string> = {
        authorization: await vapid.authorization(url.origin),
        'content-encoding': 'aes128gcm',
        'content-type': 'application/octet-stream',
        ttl,
        urgency: 'normal',
      }
      const messageId = notification.data.messageId
      if (messageId) headers.topic = await topicOf(messageId)
      try {
        const res = await doFetch(url, {
          method: 'POST',
          headers,
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        })
        // Read (and bound) the answer: it frees the connection and says why in a refusal.
        const detail = (await res.text()).slice(0, 200).trim()
        return classifyWebPushAnswer(res.status, res.ok ? '' : detail)
      } catch (err) {
        const name = (err as Error).name
        if (name === 'TimeoutError') return fail(`webpush timeout after ${timeoutMs} ms`, { retryable: true })
        return fail(`webpush ${(err as Error).message}`, { retryable: true })
      }
    },
  }
}
