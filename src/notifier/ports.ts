/**
 * The push worker's ports: where a user's devices live (`DeviceStore`, implemented by the
 * embedded and DynamoDB stores and `MemoryDeviceStore` for tests) and how one notification
 * reaches one device (`PushTransport`: FCM in fcm.ts, Web Push in webpush.ts).
 */

/** A Web Push subscription as a browser's `PushSubscription.toJSON()` gives it (keys in base64url). */
export interface WebPushSubscription {
  endpoint: string
  keys: { p256dh: string; auth: string }
}

/** A registered device. `locale` (e.g. `es`) picks the notification's language; absent: English. */
export type Device =
  | { deviceId: string; platform: 'fcm'; token: string; locale?: string }
  | { deviceId: string; platform: 'webpush'; subscription: WebPushSubscription; locale?: string }

export type Platform = Device['platform']

/** What `putDevice` did besides storing the device. */
export interface PutDeviceAnswer {
  /** Devices of this user removed to stay within the per-user cap (oldest registration first). */
  evicted: string[]
  /** The same push token (FCM token or Web Push endpoint) registered by another user before: that
   * registration was removed (the phone changed hands), so only the newest user is notified. */
  movedFrom?: { userId: string; deviceId: string }
}

export interface DeviceStore {
  /** Creates or replaces the user's device `device.deviceId`. Past the per-user cap the user's
   * oldest registrations are removed; the same token registered by another user is removed there. */
  putDevice(userId: string, device: Device): Promise<PutDeviceAnswer>
  /** Removes a device; nothing happens when it is absent (idempotent). */
  deleteDevice(userId: string, deviceId: string): Promise<void>
  /** The user's devices (at most the per-user cap), in no promised order. */
  listDevices(userId: string): Promise<Device[]>
  /**
   * Takes the claim to push `messageId` to this device: `true` for the one call that took it,
   * `false` for every later one (until the claim expires or is released). One conditional write.
   */
  claimPush(messageId: string, userId: string, deviceId: string): Promise<boolean>
  /** Gives a claim back (a send failed retryably), so a redelivered event tries that device again. */
  releasePush(messageId: string, userId: string, deviceId: string): Promise<void>
}

/** One notification to show. `data` travels with it to the app (FCM data, Web Push payload). */
export interface PushNotification {
  title: string
  body: string
  data: Record<string, string>
}

/**
 * The outcome of one send. `gone`: the push service says the device no longer exists (remove it);
 * `retryable`: try again later (rate limited, push service down, timed out); neither: a permanent
 * failure for this notification (log it, do not retry).
 */
export type PushResult = { ok: true } | { ok: false; gone: boolean; retryable: boolean; reason: string }

export interface PushTransport {
  send(device: Device, notification: PushNotification): Promise<PushResult>
}
