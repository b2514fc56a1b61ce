/**
 * The FCM HTTP v1 transport: `POST {endpoint}/v1/projects/{projectId}/messages:send` with the
 * service account's OAuth token (google-token.ts). A 401 drops the token and tries once more
 * with a new one (tokens can be revoked before they expire); a send that hangs is cut after
 * `timeoutMs` and counts as retryable. Answers are classified in fcm-answers.ts.
 *
 * The message carries the room, seq and message id as data, and the message id as the collapse
 * key on Android and APNs: a notification retried after an ambiguous failure (a timeout after
 * FCM took it) replaces the first on the device instead of showing twice.
 */
import { classifyFcmAnswer, type FcmOutcome } from './fcm-answers.ts'
import type { TokenSource } from './google-token.ts'
import type { PushNotification, PushTransport } from './ports.ts'

export const FCM_DEFAULT_ENDPOINT = 'https://fcm.googleapis.com'

export interface FcmOptions {
  projectId: string
  tokens: TokenSource
  /** `FCM_ENDPOINT`; Google's by default. */
  endpoint?: string
  /** One send (not counting the token fetch) is abandoned after this long. */
  timeoutMs: number
  fetch?: typeof fetch
}

export interface FcmSender {
  send(registrationToken: string, notification: PushNotification): Promise<FcmOutcome>
}

export function createFcmSender(opts: FcmOptions): FcmSender {
  const doFetch = opts.fetch ?? fetch
  const url = `${(opts.endpoint ?? FCM_DEFAULT_ENDPOINT).replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(opts.projectId)}/messages:send`

  const attempt = async (registrationToken: string, notification: PushNotification, retryOn401: boolean) => {
    let accessToken: string
    try {
      accessToken = await opts.tokens.get()
    } catch (err) {
      return { ok: false, gone: false, retryable: true, reason: `fcm token: ${(err as Error).message}` } as const
    }
    let res: Response
    let body: unknown
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(fcmMessage(registrationToken, notification)),
        signal: AbortSignal.timeout(opts.timeoutMs),
      })
      body = await res.json().catch(() => undefined)
    } catch (err) {
      const name = (err as Error).name
      const reason =
        name === 'TimeoutError' ? `fcm timeout after ${opts.timeoutMs} ms` : `fcm ${(err as Error).message}`
      return { ok: false, gone: false, retryable: true, reason } as const
    }
    if (res.status === 401) {
      opts.tokens.invalidate(accessToken)
      if (retryOn401) return undefined
    }
    return classifyFcmAnswer(res.status, body)
  }

  return {
    async send(registrationToken, notification) {
      return (
        (await attempt(registrationToken, notification, true)) ??
        (await attempt(registrationToken, notification, false)) ?? {
          ok: false,
          gone: false,
          retryable: true,
          reason: 'fcm 401',
        }
      )
    },
  }
}

/** The sender as a PushTransport: FCM devices by their registration token. */
export function fcmTransport(sender: FcmSender): PushTransport {
  return {
    send(device, notification) {
      if (device.platform !== 'fcm')
        return Promise.resolve({ ok: false, gone: false, retryable: false, reason: `not an fcm device` })
      return sender.send(device.token, notification)
    },
  }
}

export function fcmMessage(registrationToken: string, n: PushNotification): object {
  return {
    message: {
      token: registrationToken,
      notification: { title: n.title, body: n.body },
      data: n.data,
      ...(n.data.messageId === undefined
        ? {}
        : {
            android: { collapse_key: n.data.messageId },
            apns: { headers: { 'apns-collapse-id': n.data.messageId } },
          }),
    },
  }
}
