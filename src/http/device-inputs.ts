/**
 * `PUT /me/devices/:deviceId` inputs (docs/protocol.md "Devices"), validated with valibot: the
 * device id, and a body naming an FCM token or a Web Push subscription as a browser's
 * `PushSubscription.toJSON()` gives it (its `expirationTime` and any other field are ignored).
 */
import * as v from 'valibot'
import { endpointProblem } from '../notifier/endpoint.ts'
import { fromBase64url } from '../notifier/base64url.ts'
import type { Device } from '../notifier/ports.ts'
import { isP256Point } from '../notifier/p256.ts'

export const MAX_DEVICE_ID_LENGTH = 64
/** FCM registration tokens are about 160-200 characters; room to spare, not a 64 KiB blob. */
export const MAX_FCM_TOKEN_LENGTH = 4096
/** Push services' endpoints are a few hundred characters. */
export const MAX_ENDPOINT_LENGTH = 2048

export const deviceIdSchema = v.pipe(
  v.string(),
  v.regex(
    new RegExp(`^[A-Za-z0-9._:-]{1,${MAX_DEVICE_ID_LENGTH}}$`),
    `a device id is 1..${MAX_DEVICE_ID_LENGTH} of A-Z a-z 0-9 . _ : -`,
  ),
)

const bytesOf = (length: number, message: string) =>
  v.pipe(
    v.string(message),
    v.check((s) => fromBase64url(s)?.length === length, message),
  )

/** A language tag (`en`, `es-MX`, `fr`): the worker localises by its language, English otherwise. */
const localeSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/, 'locale is a language tag such as en, es or fr-CA'),
  v.maxLength(35, 'locale is a language tag such as en, es or fr-CA'),
)

const fcmBody = v.object({
  platform: v.literal('fcm'),
  token: v.pipe(
    v.string('token is a string'),
    v.minLength(1, 'token is empty'),
    v.maxLength(MAX_FCM_TOKEN_LENGTH, `token is over ${MAX_FCM_TOKEN_LENGTH} characters`),
    v.regex(/^[\x21-\x7e]+$/, 'token holds printable ASCII without spaces only'),
  ),
  locale: v.optional(localeSchema),
})

const webPushBody = v.object({
  platform: v.literal('webpush'),
  subscription: v.object(
    {
      endpoint: v.pipe(
        v.string('endpoint is a string'),
        v.maxLength(MAX_ENDPOINT_LENGTH, `endpoint is over ${MAX_ENDPOINT_LENGTH} characters`),
        v.rawCheck(({ dataset, addIssue }) => {
          const problem = dataset.typed ? endpointProblem(dataset.value) : undefined
          if (problem) addIssue({ message: problem.replace(/^subscription\.endpoint /, '') })
        }),
      ),
      keys: v.object(
        {
          p256dh: v.pipe(
            bytesOf(65, 'p256dh is base64url of a 65-byte uncompressed P-256 point'),
            v.check((s) => fromBase64url(s)?.[0] === 4, 'p256dh is base64url of a 65-byte uncompressed P-256 point'),
          ),
          auth: bytesOf(16, 'auth is base64url of 16 bytes'),
        },
        'keys holds p256dh and auth',
      ),
    },
    'subscription holds endpoint and keys',
  ),
  locale: v.optional(localeSchema),
})

export const putDeviceBodySchema = v.variant('platform', [fcmBody, webPushBody], 'platform is fcm or webpush')

/** The device to store: only the fields the worker uses. */
export function toDevice(deviceId: string, body: v.InferOutput<typeof putDeviceBodySchema>): Device {
  const locale = body.locale === undefined ? {} : { locale: body.locale }
  if (body.platform === 'fcm') return { deviceId, platform: 'fcm', token: body.token, ...locale }
  const { endpoint, keys } = body.subscription
  return {
    deviceId,
    platform: 'webpush',
    subscription: { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } },
    ...locale,
  }
}

/** Whether `p256dh` is a point on P-256 (65 bytes starting with 4 may still be off the curve). */
export function isP256PointText(p256dh: string): boolean {
  const bytes = fromBase64url(p256dh)
  return bytes !== undefined && isP256Point(bytes)
}
