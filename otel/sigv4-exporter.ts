/**
 * Spans straight to X-Ray's OTLP endpoint (`https://xray.<region>.amazonaws.com/v1/traces`),
 * which takes only requests signed with SigV4 (docs/operations.md "Tracing"). Serialized with
 * the protobuf serializer the OTLP proto exporter uses, signed per request (service `xray`) with
 * credentials from the provider (the default chain in production: they rotate, so each request
 * asks for them), POSTed with a deadline. It sits behind the same bounded batch processor and
 * counting exporter as the OTLP exporters (otel/sdk.ts, otel/bounded.ts): a failure is reported
 * as a failed export (counted, never thrown), and at most `concurrency` requests are in flight.
 *
 * The URL and the signing host/region are separate options so a test can point the exporter at
 * a local fake while signing as X-Ray would see it.
 */
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto'
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace'
import { SignatureV4 } from '@smithy/signature-v4'

type SignerOptions = ConstructorParameters<typeof SignatureV4>[0]
type SourceData = string | ArrayBuffer | ArrayBufferView

export { xrayRegion } from './settings.ts'

export interface SigV4ExporterOptions {
  /** Where requests go. */
  url: string
  /** The host signed (X-Ray's); defaults to the URL's host. */
  signingHost?: string
  region: string
  /** `xray` for X-Ray's OTLP endpoint. */
  service?: string
  credentials: SignerOptions['credentials']
  timeoutMs: number
  /** Extra headers (`OTEL_EXPORTER_OTLP_(TRACES_)HEADERS`), signed too. */
  headers?: Record<string, string>
  /** Export requests in flight at most; a batch past it fails at once (counted as dropped). */
  concurrency?: number
  /** The signing clock (tests). */
  now?: () => Date
}

export class SigV4Exporter implements SpanExporter {
  private readonly signer: SignatureV4
  private readonly url: URL
  private readonly host: string
  private readonly inFlight = new Set<Promise<void>>()
  private stopped = false

  private readonly opts: SigV4ExporterOptions
  constructor(opts: SigV4ExporterOptions) {
    this.opts = opts
    this.url = new URL(opts.url)
    this.host = opts.signingHost ?? this.url.host
    this.signer = new SignatureV4({
      credentials: opts.credentials,
      region: opts.region,
      service: opts.service ?? 'xray',
      sha256: Sha256,
    })
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.stopped) return done({ code: ExportResultCode.FAILED, error: new Error('exporter shut down') })
    if (this.inFlight.size >= (this.opts.concurrency ?? 4)) {
      return done({ code: ExportResultCode.FAILED, error: new Error('too many export requests in flight') })
    }
    const sent = this.send(spans).then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: unknown) =>
        done({ code: ExportResultCode.FAILED, error: error instanceof Error ? error : new Error(String(error)) }),
    )
    this.inFlight.add(sent)
    void sent.finally(() => this.inFlight.delete(sent))
  }

  private async send(spans: ReadableSpan[]): Promise<void> {
    // One deadline for the whole request, credentials included: the default chain may wait on
    // an instance metadata endpoint that does not answer.
    const signal = AbortSignal.timeout(this.opts.timeoutMs)
    const body = ProtobufTraceSerializer.serializeRequest(spans)
    if (!body) throw new Error('spans could not be serialized')
    const signing = this.signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: this.host,
        path: this.url.pathname,
        query: {},
        headers: { ...this.opts.headers, host: this.host, 'content-type': 'application/x-protobuf' },
        body,
      },
      this.opts.now ? { signingDate: this.opts.now() } : undefined,
    )
    const signed = await new Promise<Awaited<typeof signing>>((resolve, reject) => {
      const late = (): void => reject(signal.reason as Error)
      signal.addEventListener('abort', late, { once: true })
      signing.then(resolve, reject).finally(() => signal.removeEventListener('abort', late))
    })
    // fetch sets Host from the URL itself (a forbidden header): drop ours, signed as X-Ray's.
    const { host: _host, ...headers } = signed.headers as Record<string, string>
    const res = await fetch(this.url, { method: 'POST', headers, body: body as Uint8Array<ArrayBuffer>, signal })
    // The body is read (or dropped) so the connection is released.
    const text = await res.text().catch(() => '')
    if (!res.ok) throw new Error(`X-Ray OTLP endpoint answered ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}`)
  }

  async shutdown(): Promise<void> {
    this.stopped = true
    await this.forceFlush()
  }

  async forceFlush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight)
  }
}

/** SHA-256 (keyed: HMAC) for the signer, on node:crypto (Node, and Deno through its Node compatibility). */
class Sha256 {
  private hash: Hash | Hmac

  private readonly secret?: SourceData
  constructor(secret?: SourceData) {
    this.secret = secret
    this.hash = this.fresh()
  }

  update(data: Uint8Array): void {
    this.hash.update(data)
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()))
  }

  reset(): void {
    this.hash = this.fresh()
  }

  private fresh(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256')
    const key =
      typeof this.secret === 'string'
        ? this.secret
        : ArrayBuffer.isView(this.secret)
          ? new Uint8Array(this.secret.buffer, this.secret.byteOffset, this.secret.byteLength)
          : new Uint8Array(this.secret)
    return createHmac('sha256', key)
  }
}
