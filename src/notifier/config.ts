/**
 * The push worker's environment (docs/events.md "Push worker", docs/operations.md), read here
 * and nowhere else. A bad value stops the start with a message naming the variable. A push
 * platform whose variables are unset is not an error: its devices are skipped (logged at start
 * and per device), so a deployment with only Web Push, or only FCM, runs.
 */
import * as v from 'valibot'
import { ConfigError, loadDynamoSettings, type DynamoSettings } from '../config.ts'
import { notifierDefaults, notifierEnvName, notifierMaxima, type NotifierOptions } from './options.ts'

export interface FcmSettings {
  projectId: string
  /** GOOGLE_APPLICATION_CREDENTIALS: the service-account key file. */
  credentialsPath: string
  /** FCM_ENDPOINT; Google's when unset. */
  endpoint?: string
}

export interface VapidSettings {
  publicKey: string
  privateKey: string
  subject: string
}

export interface NotifierConfig {
  queueUrl: string
  region: string
  /** The server's DynamoDB variables, read by src/config.ts the same way. */
  dynamodb: DynamoSettings
  /** Unset: FCM devices are skipped; `missing` names what to set. */
  fcm: FcmSettings | { missing: string[] }
  vapid: VapidSettings | { missing: string[] }
  /**
   * `PORT`: when set, `GET /health` is served there, so the image's HEALTHCHECK (which the
   * Dockerfile sets with PORT=8787) works for the worker as for the server. Unset (`npm run
   * notifier` next to a server): no listener.
   */
  healthPort?: number
  options: NotifierOptions
}

export class NotifierConfigError extends Error {
  override name = 'NotifierConfigError'
}

type Env = Record<string, string | undefined>

const text = v.pipe(v.string(), v.trim(), v.minLength(1))
const url = v.pipe(v.string(), v.url('expected a URL'))

const envSchema = v.object({
  EVENTS_QUEUE_URL: v.pipe(
    v.string('the queue the server publishes message.created to: set it'),
    v.url('expected a URL'),
  ),
  STORE: v.optional(v.picklist(['embedded', 'dynamodb'], 'expected embedded or dynamodb'), 'embedded'),
  FCM_PROJECT_ID: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9-]{1,64}$/, 'expected a Firebase project id'))),
  GOOGLE_APPLICATION_CREDENTIALS: v.optional(text),
  FCM_ENDPOINT: v.optional(url),
  VAPID_PUBLIC_KEY: v.optional(text),
  VAPID_PRIVATE_KEY: v.optional(text),
  VAPID_SUBJECT: v.optional(v.pipe(v.string(), v.regex(/^(mailto:|https:)/, 'expected a mailto: or https: URL'))),
  PORT: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'expected a port'), v.transform(Number), v.maxValue(65535))),
})

export function loadNotifierConfig(env: Env): NotifierConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''))
  const problems: string[] = []
  const result = v.safeParse(envSchema, present)
  if (!result.success) {
    for (const issue of result.issues) problems.push(`${v.getDotPath(issue) ?? 'environment'}: ${issue.message}`)
  }
  const options = parseOptions(present, problems)
  if (result.success && result.output.STORE !== 'dynamodb') {
    // The embedded store is one server process's (it holds DATA_DIR's lock): the devices the
    // server registered are not readable from another process.
    problems.push(
      'STORE: the push worker needs STORE=dynamodb (the embedded store belongs to the one server process that holds DATA_DIR)',
    )
  }
  let dynamodb: DynamoSettings | undefined
  try {
    dynamodb = loadDynamoSettings(env)
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e
    problems.push(...e.message.split('\n  ').slice(1))
  }
  if (!result.success || !dynamodb || problems.length > 0)
    throw new NotifierConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`)
  const e = result.output
  return {
    queueUrl: e.EVENTS_QUEUE_URL,
    region: dynamodb.region,
    dynamodb,
    fcm:
      e.FCM_PROJECT_ID && e.GOOGLE_APPLICATION_CREDENTIALS
        ? {
            projectId: e.FCM_PROJECT_ID,
            credentialsPath: e.GOOGLE_APPLICATION_CREDENTIALS,
            ...(e.FCM_ENDPOINT ? { endpoint: e.FCM_ENDPOINT } : {}),
          }
        : { missing: unset(e, ['FCM_PROJECT_ID', 'GOOGLE_APPLICATION_CREDENTIALS']) },
    vapid:
      e.VAPID_PUBLIC_KEY && e.VAPID_PRIVATE_KEY && e.VAPID_SUBJECT
        ? { publicKey: e.VAPID_PUBLIC_KEY, privateKey: e.VAPID_PRIVATE_KEY, subject: e.VAPID_SUBJECT }
        : { missing: unset(e, ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT']) },
    ...(e.PORT === undefined ? {} : { healthPort: e.PORT }),
    options,
  }
}

function unset(e: Record<string, unknown>, names: string[]): string[] {
  return names.filter((name) => e[name] === undefined)
}

function parseOptions(env: Env, problems: string[]): NotifierOptions {
  const options = { ...notifierDefaults }
  for (const key of Object.keys(notifierDefaults) as (keyof NotifierOptions)[]) {
    const name = notifierEnvName(key)
    const raw = env[name]
    if (raw === undefined) continue
    const min = key === 'pollWaitSeconds' ? 0 : 1
    const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN
    if (value >= min && value <= notifierMaxima[key]) options[key] = value
    else problems.push(`${name}: expected a whole number from ${min} to ${notifierMaxima[key]}`)
  }
  for (const name of Object.keys(env)) {
    if (
      name.startsWith('NOTIFIER_') &&
      !(Object.keys(notifierDefaults) as (keyof NotifierOptions)[]).some((k) => notifierEnvName(k) === name)
    )
      problems.push(`${name}: not a known notifier option`)
  }
  return options
}
