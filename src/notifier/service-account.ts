/**
 * A Google service-account key file (`GOOGLE_APPLICATION_CREDENTIALS`): the JSON the Cloud
 * console downloads. The FCM transport needs three of its fields; a file without them stops the
 * worker's start with a message naming the file and the field.
 */
import { readFileSync } from 'node:fs'

export interface ServiceAccount {
  clientEmail: string
  /** PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`). */
  privateKey: string
  /** Where the OAuth token is fetched (https://oauth2.googleapis.com/token for Google's keys). */
  tokenUri: string
  /** Sent as the JWT's `kid` when present, so Google picks the right public key at once. */
  privateKeyId?: string
}

export class ServiceAccountError extends Error {
  override name = 'ServiceAccountError'
}

export function readServiceAccount(path: string): ServiceAccount {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ServiceAccountError(`GOOGLE_APPLICATION_CREDENTIALS: cannot read ${path}: ${(err as Error).message}`)
  }
  return parseServiceAccount(json, path)
}

export function parseServiceAccount(json: unknown, where: string): ServiceAccount {
  const record = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>
  const field = (name: string): string => {
    const value = record[name]
    if (typeof value !== 'string' || value === '')
      throw new ServiceAccountError(`GOOGLE_APPLICATION_CREDENTIALS: ${where} has no ${name}`)
    return value
  }
  const privateKey = field('private_key')
  if (!privateKey.includes('BEGIN PRIVATE KEY'))
    throw new ServiceAccountError(`GOOGLE_APPLICATION_CREDENTIALS: ${where}: private_key is not a PKCS#8 PEM key`)
  const id = record.private_key_id
  return {
    clientEmail: field('client_email'),
    privateKey,
    tokenUri: field('token_uri'),
    ...(typeof id === 'string' && id !== '' ? { privateKeyId: id } : {}),
  }
}
