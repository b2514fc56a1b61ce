/**
 * A local fake of the two X-Ray read APIs the traces CLI calls, spoken in X-Ray's restJson
 * protocol as the SDK sends it (POST /TraceSummaries, POST /Traces, JSON bodies, timestamps
 * in epoch seconds, errors named by `x-amzn-ErrorType`). It records every call, answers from
 * recorded traces, pages both answers with NextToken, checks the API's own limits (1 to 5
 * trace ids a BatchGetTraces call) and can throttle its first call once (429).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RecordedTrace } from './xray-documents.ts'

export interface XRayCall {
  path: string
  body: Record<string, unknown>
  /** Whether the request was signed (SigV4 Authorization header). */
  signed: boolean
  /** Answered with this status. */
  status: number
}

export interface FakeXRayOptions {
  traces: RecordedTrace[]
  /** Answer the first call with 429 ThrottledException. */
  throttleFirst?: boolean
  /** Answer every call with 400 InvalidRequestException and this message. */
  refuseAll?: string
  summariesPerPage?: number
  tracesPerPage?: number
}

export interface FakeXRay {
  url: string
  calls: XRayCall[]
  close(): Promise<void>
}

/** Every annotation of every span of a trace, as `key=value`. */
function annotationsOf(trace: RecordedTrace): Set<string> {
  const found = new Set<string>()
  const walk = (doc: Record<string, unknown>) => {
    for (const [k, v] of Object.entries((doc.annotations as Record<string, unknown>) ?? {}))
      found.add(`${k}=${String(v)}`)
    for (const sub of (doc.subsegments as Record<string, unknown>[]) ?? []) walk(sub)
  }
  for (const s of trace.Segments) walk(JSON.parse(s.Document) as Record<string, unknown>)
  return found
}

/** `annotation.k = "v" AND annotation.k2 = "v2"` → ['k=v', 'k2=v2'], or undefined if not of that form. */
function parseFilter(filter: string): string[] | undefined {
  const clauses = filter.split(' AND ')
  const out: string[] = []
  for (const clause of clauses) {
    const m = /^annotation\.([A-Za-z0-9_]+) = "([^"\\]*)"$/.exec(clause)
    if (!m) return undefined
    out.push(`${m[1]}=${m[2]}`)
  }
  return out
}

export async function startFakeXRay(opts: FakeXRayOptions): Promise<FakeXRay> {
  const calls: XRayCall[] = []
  const summariesPerPage = opts.summariesPerPage ?? 4
  const tracesPerPage = opts.tracesPerPage ?? 3
  let throttle = opts.throttleFirst === true
  const byStartDesc = [...opts.traces].sort((a, b) => (a.Id < b.Id ? 1 : -1))

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-requestid': `req-${calls.length}`,
      ...(errorType && { 'x-amzn-errortype': errorType }),
    })
    res.end(JSON.stringify(body))
  }
  const refuse = (res: ServerResponse, call: XRayCall, message: string) => {
    call.status = 400
    send(res, 400, { message }, 'InvalidRequestException')
  }

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    let body: Record<string, unknown> = {}
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {}
    } catch {}
    const call: XRayCall = {
      path: req.url ?? '',
      body,
      signed: /^AWS4-HMAC-SHA256 /.test(req.headers.authorization ?? ''),
      status: 200,
    }
    calls.push(call)
    if (req.method !== 'POST') return refuse(res, call, 'POST only')
    if (opts.refuseAll !== undefined) return refuse(res, call, opts.refuseAll)
    if (throttle) {
      throttle = false
      call.status = 429
      return send(res, 429, { message: 'Rate exceeded' }, 'ThrottledException')
    }
    if (req.url === '/TraceSummaries') {
      if (typeof body.StartTime !== 'number' || typeof body.EndTime !== 'number')
        return refuse(res, call, 'StartTime and EndTime are required')
      const clauses = parseFilter(String(body.FilterExpression ?? ''))
      if (!clauses) return refuse(res, call, `unsupported filter ${String(body.FilterExpression)}`)
      const matching = byStartDesc.filter((t) => {
        const have = annotationsOf(t)
        return clauses.every((c) => have.has(c))
      })
      const offset = body.NextToken === undefined ? 0 : Number(String(body.NextToken).replace('summaries:', ''))
      const page = matching.slice(offset, offset + summariesPerPage)
      const next = offset + summariesPerPage < matching.length ? `summaries:${offset + summariesPerPage}` : undefined
      return send(res, 200, {
        TraceSummaries: page.map((t) => ({ Id: t.Id, Duration: t.Duration, HasError: false, HasFault: false })),
        ApproximateTime: body.EndTime,
        TracesProcessedCount: opts.traces.length,
        ...(next && { NextToken: next }),
      })
    }
    if (req.url === '/Traces') {
      const ids = body.TraceIds
      if (!Array.isArray(ids) || ids.length < 1 || ids.length > 5) return refuse(res, call, 'TraceIds: 1 to 5 items')
      const found = ids.map((id) => opts.traces.find((t) => t.Id === id)).filter((t) => t !== undefined)
      const offset = body.NextToken === undefined ? 0 : Number(String(body.NextToken).replace('traces:', ''))
      const page = found.slice(offset, offset + tracesPerPage)
      const next = offset + tracesPerPage < found.length ? `traces:${offset + tracesPerPage}` : undefined
      return send(res, 200, {
        Traces: page,
        UnprocessedTraceIds: offset === 0 ? ids.filter((id) => !found.some((t) => t.Id === id)) : [],
        ...(next && { NextToken: next }),
      })
    }
    call.status = 404
    send(res, 404, { message: 'no such operation' }, 'UnknownOperationException')
  }

  const server = createServer((req, res) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => handle(req, res, Buffer.concat(parts).toString('utf8')))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
