/**
 * AWS Signature Version 4 recomputed from the spec with node:crypto (not with the signer the
 * exporter uses), to check what a signed request carries (test/otel/sigv4-exporter.test.ts,
 * test/otel/deno-sigv4.test.ts).
 */
import { createHash, createHmac } from 'node:crypto'

const hex = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex')
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest()

export interface SignedRequest {
  /** The request's headers as received (names in lower case). */
  headers: Record<string, string | string[] | undefined>
  /** The headers its signature covers, in its order (`SignedHeaders=`). */
  signedHeaders: string[]
  path: string
  body: Buffer
  /** The credential scope after the key id: date, region, service. */
  scope: string[]
  /** The host it was signed for (X-Ray's, when sent to a stand-in). */
  host: string
  secretAccessKey: string
}

/** The signature a POST with these parts should carry. */
export function sigv4Signature(r: SignedRequest): string {
  const [date, region, service] = r.scope as [string, string, string]
  const canonicalHeaders = r.signedHeaders
    .map((name) => `${name}:${String(name === 'host' ? r.host : r.headers[name]).trim()}\n`)
    .join('')
  const canonicalRequest = ['POST', r.path, '', canonicalHeaders, r.signedHeaders.join(';'), hex(r.body)].join('\n')
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    r.headers['x-amz-date'],
    `${date}/${region}/${service}/aws4_request`,
    hex(canonicalRequest),
  ].join('\n')
  let key = hmac(`AWS4${r.secretAccessKey}`, date)
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part)
  return createHmac('sha256', key).update(stringToSign).digest('hex')
}

/** The parts of an `Authorization: AWS4-HMAC-SHA256 ...` header; `undefined` if it is not one. */
export function parseAuthorization(
  header: unknown,
): { keyId: string; scope: string[]; signedHeaders: string[]; signature: string } | undefined {
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
    String(header),
  )
  if (!m) return undefined
  const [keyId, ...scope] = m[1]!.split('/')
  return { keyId: keyId!, scope: scope.slice(0, 3), signedHeaders: m[2]!.split(';'), signature: m[3]! }
}
