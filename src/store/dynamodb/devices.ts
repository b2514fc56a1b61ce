/**
 * Devices and push claims on DynamoDB (the DeviceStore port, src/notifier/ports.ts), in the
 * core table (docs/storage.md "Devices and push claims"):
 * - `USER#<userId>` / `DEVICE#<deviceId>`: a registered device (`device`, `at`, `tokenHash`);
 * - `PUSHTOKEN#<sha256 of the token>` / `PUSHTOKEN`: who holds a push token now (`userId`,
 *   `deviceId`), so the same token registered by another user is found by key and moved;
 * - `PUSH#<messageId>` / `DEVICE#<userId>#<deviceId>` with `ttl`: a push claim.
 * The rules (cap, eviction, token identity, claim TTL) are src/notifier/device-rules.ts.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb'
import type { GetCommandOutput } from '@aws-sdk/lib-dynamodb'
import { toEvict, tokenKey, type DeviceRules } from '../../notifier/device-rules.ts'
import type { Device, PutDeviceAnswer } from '../../notifier/ports.ts'
import type { Io } from './client.ts'
import { TTL_ATTRIBUTE } from './config.ts'
import { escapeKeyPart } from './keys.ts'
import { toBase64url } from '../../notifier/base64url.ts'

export const DEVICE_PREFIX = 'DEVICE#'
const TOKEN_SK = 'PUSHTOKEN'

export const userPk = (userId: string): string => `USER#${userId}`
export const deviceSk = (deviceId: string): string => `${DEVICE_PREFIX}${deviceId}`
export const claimKey = (messageId: string, userId: string, deviceId: string): { PK: string; SK: string } => ({
  PK: `PUSH#${escapeKeyPart(messageId)}`,
  SK: `${DEVICE_PREFIX}${escapeKeyPart(userId)}#${escapeKeyPart(deviceId)}`,
})

/** The token's key: a hash, since an FCM token or a Web Push endpoint may be longer than a key may be. */
async function tokenPk(device: Device): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(tokenKey(device)))
  return `PUSHTOKEN#${toBase64url(new Uint8Array(digest))}`
}

const isConditionFailure = (err: unknown): boolean =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException'

export class DynamoDevices {
  readonly #io: Io
  readonly #table: string
  readonly #rules: DeviceRules
  readonly #now: () => number

  constructor(io: Io, table: string, rules: DeviceRules, now: () => number) {
    this.#io = io
    this.#table = table
    this.#rules = rules
    this.#now = now
  }

  async #get(PK: string, SK: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.#io.send<GetCommandOutput>(
      () => new GetCommand({ TableName: this.#table, Key: { PK, SK }, ConsistentRead: true }),
    )
    return out.Item
  }

  async #registrations(userId: string): Promise<Record<string, unknown>[]> {
    return this.#io.query({
      TableName: this.#table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': userPk(userId), ':prefix': DEVICE_PREFIX },
    })
  }

  /** Removes a device if it still holds `tokenHash` (when given), and its token item if that still names it. */
  async #remove(userId: string, deviceId: string, tokenHash?: string): Promise<boolean> {
    let old: Record<string, unknown> | undefined
    try {
      const out = await this.#io.send<{ Attributes?: Record<string, unknown> }>(
        () =>
          new DeleteCommand({
            TableName: this.#table,
            Key: { PK: userPk(userId), SK: deviceSk(deviceId) },
            ReturnValues: 'ALL_OLD',
            ...(tokenHash !== undefined && {
              ConditionExpression: 'tokenHash = :h',
              ExpressionAttributeValues: { ':h': tokenHash },
            }),
          }),
      )
      old = out.Attributes
    } catch (err) {
      if (isConditionFailure(err)) return false
      throw err
    }
    if (typeof old?.tokenHash === 'string') await this.#dropToken(old.tokenHash, userId, deviceId)
    return old !== undefined
  }

  /** The token item, if it still names this registration (a newer holder's is kept). */
  async #dropToken(hash: string, userId: string, deviceId: string): Promise<void> {
    try {
      await this.#io.send(
        () =>
          new DeleteCommand({
            TableName: this.#table,
            Key: { PK: hash, SK: TOKEN_SK },
            ConditionExpression: 'userId = :u AND deviceId = :d',
            ExpressionAttributeValues: { ':u': userId, ':d': deviceId },
          }),
      )
    } catch (err) {
      if (!isConditionFailure(err)) throw err
    }
  }

  async putDevice(userId: string, device: Device): Promise<PutDeviceAnswer> {
    const hash = await tokenPk(device)
    const [holder, mine] = await Promise.all([this.#get(hash, TOKEN_SK), this.#registrations(userId)])
    let movedFrom: PutDeviceAnswer['movedFrom']
    const heldBy = holder && { userId: String(holder.userId), deviceId: String(holder.deviceId) }
    if (heldBy && !(heldBy.userId === userId && heldBy.deviceId === device.deviceId)) {
      // Only while that registration still has this token: it may have been re-registered since.
      const removed = await this.#remove(heldBy.userId, heldBy.deviceId, hash)
      if (removed && heldBy.userId !== userId) movedFrom = heldBy
    }
    const existing = mine
      .filter((item) => !(heldBy?.userId === userId && item.deviceId === heldBy.deviceId))
      .map((item) => ({ deviceId: String(item.deviceId), at: Number(item.at) }))
    const evicted = toEvict(existing, device.deviceId, this.#rules.maxDevicesPerUser)
    const previous = mine.find((item) => item.deviceId === device.deviceId)
    await this.#io.send(
      () =>
        new PutCommand({
          TableName: this.#table,
          Item: {
            PK: userPk(userId),
            SK: deviceSk(device.deviceId),
            type: 'Device',
            deviceId: device.deviceId,
            device,
            at: this.#now(),
            tokenHash: hash,
          },
        }),
    )
    await this.#io.send(
      () =>
        new PutCommand({
          TableName: this.#table,
          Item: { PK: hash, SK: TOKEN_SK, type: 'PushToken', userId, deviceId: device.deviceId },
        }),
    )
    // This device's previous token, if it changed, no longer leads here.
    if (typeof previous?.tokenHash === 'string' && previous.tokenHash !== hash)
      await this.#dropToken(previous.tokenHash, userId, device.deviceId)
    for (const deviceId of evicted) await this.#remove(userId, deviceId)
    return { evicted, ...(movedFrom && { movedFrom }) }
  }

  async deleteDevice(userId: string, deviceId: string): Promise<void> {
    await this.#remove(userId, deviceId)
  }

  async listDevices(userId: string): Promise<Device[]> {
    return (await this.#registrations(userId)).map((item) => item.device as Device)
  }

  async claimPush(messageId: string, userId: string, deviceId: string): Promise<boolean> {
    const now = this.#now()
    const nowSeconds = Math.floor(now / 1000)
    try {
      await this.#io.send(
        () =>
          new PutCommand({
            TableName: this.#table,
            Item: {
              ...claimKey(messageId, userId, deviceId),
              type: 'PushClaim',
              at: now,
              [TTL_ATTRIBUTE]: nowSeconds + this.#rules.pushClaimTtlSeconds,
            },
            // DynamoDB deletes expired items only eventually (within days): an expired claim
            // still there counts as absent, so a claim lasts exactly its TTL.
            ConditionExpression: 'attribute_not_exists(PK) OR #ttl <= :now',
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':now': nowSeconds },
          }),
      )
      return true
    } catch (err) {
      if (isConditionFailure(err)) return false
      throw err
    }
  }

  async releasePush(messageId: string, userId: string, deviceId: string): Promise<void> {
    await this.#io.send(() => new DeleteCommand({ TableName: this.#table, Key: claimKey(messageId, userId, deviceId) }))
  }
}
