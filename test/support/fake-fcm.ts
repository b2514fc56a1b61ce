/**
 * A local stand-in for Google's OAuth token endpoint and FCM's HTTP v1 send endpoint, on one
 * port, for the FCM transport and the push worker's tests.
 *
 * - It makes a service account of its own (an RSA key pair; `writeServiceAccount(dir)` writes the
 *   key file `GOOGLE_APPLICATION_CREDENTIALS` names, with `token_uri` pointing here).
 * - `POST /token`: checks the JWT bearer grant as Google does: the assertion's RS256 signature
 *   against the key's public half, `iss` = the account's email, `aud` = the token URI, the FCM
 *   scope, `iat`/`exp` at most an hour apart and not expired. Answers `{access_token, expires_in}`
 *   (`tokenLifetimeS`, 3600 by default); a bad assertion answers 400 `invalid_grant`.
 * - `POST /v1/projects/:project/messages:send`: 401 without a token it issued and has not
 *   revoked (`revokeTokens()`), 404 for another project; otherwise the device token's next
 *   scripted answer (`script(token, ...answers)`, consumed in order, then `ok`), `alwaysAnswer`
 *   for answers that never run out. `slow` answers 200 after `slowMs`; `hang` holds the request open until `close()` (or until the
 *   client gives up). `sends` records every send that reached the answer step; `delivered` the
 *   ones answered 200.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { jwtVerify } from 'jose'

export type FcmAnswer =
  | 'ok'
  | 'slow'
  | 'hang'
  | 'unregistered'
  | 'invalid-token'
  | 'invalid-payload'
  | 'unavailable'
  | 'rate-limited'
  | 'internal'

export interface FakeSend {
  token: string
  message: Record<string, unknown>
  answer: FcmAnswer
  authorization: string
}

export interface FakeFcm {
  /** `http://127.0.0.1:<port>`: `FCM_ENDPOINT`. */
  url: string
  tokenUri: string
  projectId: string
  clientEmail: string
  /** Writes the service-account key file into `dir` and returns its path. */
  writeServiceAccount(dir: string): string
  script(deviceToken: string, ...answers: FcmAnswer[]): void
  alwaysAnswer(deviceToken: string, answer: FcmAnswer): void
  sends: FakeSend[]
  delivered: FakeSend[]
  /** Token requests: every one, accepted or not. */
  tokenRequests: { accepted: boolean; reason?: string }[]
  revokeTokens(): void
  tokenLifetimeS: number
  /** How long a `slow` answer (200, delivered) takes. */
  slowMs: number
  /** Resolves once `n` sends have reached the answer step. */
  waitForSends(n: number): Promise<void>
  close(): Promise<void>
}

export const FCM_SCOPE = 'https://www.googleapis.com/auth/firebase.messaging'

export async function startFakeFcm(opts: { projectId?: string } = {}): Promise<FakeFcm> {
  const projectId = opts.projectId ?? 'guildhall-test'
  const clientEmail = 'notifier@guildhall-test.iam.gserviceaccount.com'
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const issued = new Set<string>()
  const scripts = new Map<string, FcmAnswer[]>()
  const always = new Map<string, FcmAnswer>()
  const sockets = new Set<Socket>()
  const hanging = new Set<ServerResponse>()
  const waiters: { n: number; resolve(): void }[] = []
  let tokenCount = 0

  const fake: FakeFcm = {
    url: '',
    tokenUri: '',
    projectId,
    clientEmail,
    sends: [],
    delivered: [],
    tokenRequests: [],
    tokenLifetimeS: 3600,
    slowMs: 1000,
    writeServiceAccount(dir) {
      const path = join(dir, 'service-account.json')
      const key = {
        type: 'service_account',
        project_id: projectId,
        private_key_id: 'fake-key-1',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        client_email: clientEmail,
        token_uri: fake.tokenUri,
      }
      writeFileSync(path, JSON.stringify(key, null, 2))
      return path
    },
    script(deviceToken, ...answers) {
      scripts.set(deviceToken, [...(scripts.get(deviceToken) ?? []), ...answers])
    },
    alwaysAnswer(deviceToken, answer) {
      always.set(deviceToken, answer)
    },
    revokeTokens() {
      issued.clear()
    },
    waitForSends(n) {
      if (fake.sends.length >= n) return Promise.resolve()
      return new Promise((resolve) => waiters.push({ n, resolve }))
    },
    async close() {
      for (const res of hanging) res.destroy()
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }

  const onToken = async (req: IncomingMessage, res: ServerResponse) => {
    const form = new URLSearchParams(await readBody(req))
    const refuse = (reason: string) => {
      fake.tokenRequests.push({ accepted: false, reason })
      json(res, 400, { error: 'invalid_grant', error_description: reason })
    }
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse('grant_type')
    const checked = await checkAssertion(form.get('assertion') ?? '', publicKey, clientEmail, fake.tokenUri)
    if (checked !== undefined) return refuse(checked)
    const token = `fake-access-${++tokenCount}`
    issued.add(token)
    fake.tokenRequests.push({ accepted: true })
    json(res, 200, { access_token: token, expires_in: fake.tokenLifetimeS, token_type: 'Bearer' })
  }

  const onSend = async (req: IncomingMessage, res: ServerResponse, project: string) => {
    const body = await readBody(req)
    const authorization = req.headers.authorization ?? ''
    if (!issued.has(authorization.replace(/^Bearer /, ''))) {
      return json(res, 401, { error: { code: 401, status: 'UNAUTHENTICATED', message: 'invalid credentials' } })
    }
    if (project !== projectId) return json(res, 404, { error: { code: 404, status: 'NOT_FOUND', message: 'project' } })
    let message: Record<string, unknown>
    try {
      message = (JSON.parse(body) as { message: Record<string, unknown> }).message
    } catch {
      return json(res, 400, { error: { code: 400, status: 'INVALID_ARGUMENT', message: 'bad json' } })
    }
    const token = String(message?.token ?? '')
    const queued = scripts.get(token)
    const answer = queued?.shift() ?? always.get(token) ?? 'ok'
    const send: FakeSend = { token, message, answer, authorization }
    fake.sends.push(send)
    for (const w of waiters.filter((w) => fake.sends.length >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve()
    }
    answerSend(res, answer, send)
  }

  const answerSend = (res: ServerResponse, answer: FcmAnswer, send: FakeSend) => {
    const fcmError = (code: number, status: string, errorCode: string, message: string) =>
      json(res, code, {
        error: {
          code,
          status,
          message,
          details: [{ '@type': 'type.googleapis.com/google.firebase.fcm.v1.FcmError', errorCode }],
        },
      })
    switch (answer) {
      case 'ok':
        fake.delivered.push(send)
        return json(res, 200, { name: `projects/${projectId}/messages/${fake.sends.length}` })
      case 'slow':
        setTimeout(() => answerSend(res, 'ok', send), fake.slowMs)
        return
      case 'hang':
        hanging.add(res)
        res.on('close', () => hanging.delete(res))
        return
      case 'unregistered':
        return fcmError(404, 'NOT_FOUND', 'UNREGISTERED', 'Requested entity was not found.')
      case 'invalid-token':
        return fcmError(
          400,
          'INVALID_ARGUMENT',
          'INVALID_ARGUMENT',
          'The registration token is not a valid FCM registration token',
        )
      case 'invalid-payload':
        return fcmError(400, 'INVALID_ARGUMENT', 'INVALID_ARGUMENT', 'Invalid value at message.data')
      case 'unavailable':
        return fcmError(503, 'UNAVAILABLE', 'UNAVAILABLE', 'The service is currently unavailable.')
      case 'rate-limited':
        return fcmError(429, 'RESOURCE_EXHAUSTED', 'QUOTA_EXCEEDED', 'Quota exceeded.')
      case 'internal':
        return fcmError(500, 'INTERNAL', 'INTERNAL', 'Internal error.')
    }
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(path)
    const handle =
      req.method === 'POST' && path === '/token'
        ? onToken(req, res)
        : req.method === 'POST' && send
          ? onSend(req, res, decodeURIComponent(send[1] ?? ''))
          : Promise.resolve(json(res, 404, { error: { code: 404, status: 'NOT_FOUND', message: path } }))
    handle.catch((err) => json(res, 500, { error: { code: 500, status: 'INTERNAL', message: String(err) } }))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  fake.tokenUri = `${fake.url}/token`
  return fake
}

/** The assertion's problem as Google would name it, or undefined when it is good. */
async function checkAssertion(
  assertion: string,
  publicKey: KeyObject,
  clientEmail: string,
  tokenUri: string,
): Promise<string | undefined> {
  try {
    const { payload, protectedHeader } = await jwtVerify(assertion, publicKey, {
      algorithms: ['RS256'],
      issuer: clientEmail,
      audience: tokenUri,
    })
    if (protectedHeader.typ !== undefined && protectedHeader.typ !== 'JWT') return 'typ'
    if (payload.scope !== FCM_SCOPE) return 'scope'
    if (typeof payload.iat !== 'number' || typeof payload.exp !== 'number') return 'iat/exp'
    if (payload.exp - payload.iat > 3600) return 'lifetime over an hour'
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function json(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}
