/**
 * A local OTLP/HTTP trace receiver for tests: it answers what a collector answers and decodes
 * every export request, JSON (`application/json`) or protobuf (`application/x-protobuf`, read
 * with the small wire decoder below, written from the OTLP .proto files, so the test does not
 * decode with the exporter's own code). `down()` closes the port; `hang()` keeps requests
 * unanswered (a collector that stopped responding).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type AttributeValue = string | number | boolean | AttributeValue[]

export interface ReceivedSpan {
  traceId: string
  spanId: string
  /** '' for a root span. */
  parentSpanId: string
  name: string
  /** OTLP's enum: 2 server, 3 client, 1 internal. */
  kind: number
  attributes: Record<string, AttributeValue>
  links: { traceId: string; spanId: string }[]
  status: { code: number; message: string }
  /** The resource's attributes (service.name...). */
  resource: Record<string, AttributeValue>
}

export interface ExportRequest {
  path: string
  contentType: string
  /** The request's headers (names in lower case), e.g. a SigV4 signature's. */
  headers: Record<string, string | string[] | undefined>
  /** The raw body, for "no secret anywhere in what was sent" checks. */
  body: Buffer
  spans: ReceivedSpan[]
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>` (OTEL_EXPORTER_OTLP_ENDPOINT). */
  url: string
  requests: ExportRequest[]
  spans(): ReceivedSpan[]
  /** Resolves once a span matching `pred` has arrived (already or later). */
  span(pred: (s: ReceivedSpan) => boolean): Promise<ReceivedSpan>
  /** Leaves requests unanswered from now on. */
  hang(): void
  close(): Promise<void>
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const requests: ExportRequest[] = []
  const waiters: { pred: (s: ReceivedSpan) => boolean; resolve: (s: ReceivedSpan) => void }[] = []
  let hanging = false
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (hanging) return
      const body = Buffer.concat(chunks)
      const contentType = req.headers['content-type'] ?? ''
      // Metrics and logs (Deno's built-in OpenTelemetry exports all three) hold no spans.
      const other = /\/v1\/(metrics|logs)$/.test(req.url ?? '')
      const spans = other ? [] : contentType.includes('json') ? decodeJson(body) : decodeProtobuf(body)
      requests.push({ path: req.url ?? '', contentType, headers: req.headers, body, spans })
      for (const span of spans) {
        for (const w of waiters.splice(0)) w.pred(span) ? w.resolve(span) : waiters.push(w)
      }
      res.writeHead(200, {
        'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf',
      })
      res.end(contentType.includes('json') ? '{}' : '')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const all = () => requests.flatMap((r) => r.spans)
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spans: all,
    span: (pred) => {
      const found = all().find(pred)
      return found ? Promise.resolve(found) : new Promise((resolve) => waiters.push({ pred, resolve }))
    },
    hang: () => {
      hanging = true
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

// --- JSON (OTLP/JSON: ids as hex strings, enums as numbers) ---

interface JsonAnyValue {
  stringValue?: string
  boolValue?: boolean
  intValue?: number | string
  doubleValue?: number
  arrayValue?: { values?: JsonAnyValue[] }
}
type JsonKeyValue = { key: string; value: JsonAnyValue }

function decodeJson(body: Buffer): ReceivedSpan[] {
  const doc = JSON.parse(body.toString('utf8')) as {
    resourceSpans?: {
      resource?: { attributes?: JsonKeyValue[] }
      scopeSpans?: {
        spans?: {
          traceId: string
          spanId: string
          parentSpanId?: string
          name: string
          kind: number
          attributes?: JsonKeyValue[]
          links?: { traceId: string; spanId: string }[]
          status?: { code?: number; message?: string }
        }[]
      }[]
    }[]
  }
  const out: ReceivedSpan[] = []
  for (const rs of doc.resourceSpans ?? []) {
    const resource = jsonAttributes(rs.resource?.attributes)
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          kind: s.kind,
          attributes: jsonAttributes(s.attributes),
          links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
          status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
          resource,
        })
      }
    }
  }
  return out
}

function jsonAttributes(kvs: JsonKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, jsonValue(kv.value)]))
}

function jsonValue(v: JsonAnyValue): AttributeValue {
  if (v.stringValue !== undefined) return v.stringValue
  if (v.boolValue !== undefined) return v.boolValue
  if (v.intValue !== undefined) return Number(v.intValue)
  if (v.doubleValue !== undefined) return v.doubleValue
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(jsonValue)
  return ''
}

// --- protobuf (opentelemetry/proto/collector/trace/v1/trace_service.proto and trace.proto) ---

type Field = { n: number; wire: number; int: bigint; bytes: Buffer }

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const b = buf[pos++]!
      result |= BigInt(b & 0x7f) << shift
      if (b < 0x80) return result
      shift += 7n
    }
  }
  while (pos < buf.length) {
    const key = Number(varint())
    const n = key >> 3
    const wire = key & 7
    if (wire === 0) yield { n, wire, int: varint(), bytes: Buffer.alloc(0) }
    else if (wire === 1) {
      const at = pos
      pos += 8
      yield { n, wire, int: buf.readBigUInt64LE(at), bytes: buf.subarray(at, pos) }
    } else if (wire === 5) {
      const at = pos
      pos += 4
      yield { n, wire, int: BigInt(buf.readUInt32LE(at)), bytes: buf.subarray(at, pos) }
    } else if (wire === 2) {
      const len = Number(varint())
      const at = pos
      pos += len
      yield { n, wire, int: 0n, bytes: buf.subarray(at, pos) }
    } else throw new Error(`protobuf wire type ${wire} not expected in OTLP`)
  }
}

function decodeProtobuf(body: Buffer): ReceivedSpan[] {
  const out: ReceivedSpan[] = []
  for (const rs of fields(body)) {
    if (rs.n !== 1) continue // ExportTraceServiceRequest.resource_spans
    let resource: Record<string, AttributeValue> = {}
    const scopes: Buffer[] = []
    for (const f of fields(rs.bytes)) {
      if (f.n === 1) resource = pbAttributes(f.bytes, 1) // ResourceSpans.resource → Resource.attributes
      if (f.n === 2) scopes.push(f.bytes) // ResourceSpans.scope_spans
    }
    for (const scope of scopes) {
      for (const f of fields(scope)) if (f.n === 2) out.push({ ...pbSpan(f.bytes), resource }) // ScopeSpans.spans
    }
  }
  return out
}

function pbSpan(buf: Buffer): Omit<ReceivedSpan, 'resource'> {
  const span: Omit<ReceivedSpan, 'resource'> = {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    name: '',
    kind: 0,
    attributes: {},
    links: [],
    status: { code: 0, message: '' },
  }
  for (const f of fields(buf)) {
    if (f.n === 1) span.traceId = f.bytes.toString('hex')
    else if (f.n === 2) span.spanId = f.bytes.toString('hex')
    else if (f.n === 4) span.parentSpanId = f.bytes.toString('hex')
    else if (f.n === 5) span.name = f.bytes.toString('utf8')
    else if (f.n === 6) span.kind = Number(f.int)
    else if (f.n === 9) Object.assign(span.attributes, pbKeyValue(f.bytes))
    else if (f.n === 13) {
      const link = { traceId: '', spanId: '' }
      for (const l of fields(f.bytes)) {
        if (l.n === 1) link.traceId = l.bytes.toString('hex')
        if (l.n === 2) link.spanId = l.bytes.toString('hex')
      }
      span.links.push(link)
    } else if (f.n === 15) {
      for (const s of fields(f.bytes)) {
        if (s.n === 2) span.status.message = s.bytes.toString('utf8')
        if (s.n === 3) span.status.code = Number(s.int)
      }
    }
  }
  return span
}

/** The repeated KeyValue field `n` of a message. */
function pbAttributes(buf: Buffer, n: number): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {}
  for (const f of fields(buf)) if (f.n === n) Object.assign(out, pbKeyValue(f.bytes))
  return out
}

function pbKeyValue(buf: Buffer): Record<string, AttributeValue> {
  let key = ''
  let value: AttributeValue = ''
  for (const f of fields(buf)) {
    if (f.n === 1) key = f.bytes.toString('utf8')
    if (f.n === 2) value = pbAnyValue(f.bytes)
  }
  return { [key]: value }
}

function pbAnyValue(buf: Buffer): AttributeValue {
  for (const f of fields(buf)) {
    if (f.n === 1) return f.bytes.toString('utf8')
    if (f.n === 2) return f.int !== 0n
    if (f.n === 3) return Number(BigInt.asIntN(64, f.int))
    if (f.n === 4) return f.bytes.readDoubleLE(0)
    if (f.n === 5) return [...fields(f.bytes)].filter((v) => v.n === 1).map((v) => pbAnyValue(v.bytes))
  }
  return ''
}
