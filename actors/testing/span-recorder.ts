/**
 * An in-memory `Tracer` for tests (actors/tracing.ts): every span is kept with its context,
 * parent, links, attributes, status and times, so that a test asserts on spans without an
 * exporter. Ids are deterministic (a counter), and a trace id starts with 8 hex digits of the
 * clock's epoch seconds, as X-Ray's do.
 */
import type { Clock } from '../clock.ts'
import type { Span, SpanAttributes, SpanKind, SpanOptions, Tracer } from '../tracing.ts'

export interface RecordedSpan {
  name: string
  kind: SpanKind
  traceId: string
  spanId: string
  parentSpanId?: string
  /** The `traceparent`s this span links to. */
  links: string[]
  attributes: SpanAttributes
  status: { ok: true } | { ok: false; message: string }
  /** Clock times, epoch ms; `end` is unset while the span is open. */
  start: number
  end?: number
}

const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/

export class SpanRecorder implements Tracer {
  /** Every span started, in start order. */
  readonly spans: RecordedSpan[] = []
  private ids: number

  /** `firstId`: where the id counter starts (two recorders of two nodes never share an id). */
  private readonly clock: Pick<Clock, 'now'>
  constructor(clock: Pick<Clock, 'now'>, firstId = 0) {
    this.clock = clock
    this.ids = firstId
  }

  startSpan(name: string, opts: SpanOptions = {}): Span {
    const parent = opts.parent === undefined ? undefined : traceparentPattern.exec(opts.parent)
    const n = ++this.ids
    const traceId = parent ? parent[1]! : hex(Math.floor(this.clock.now() / 1000), 8) + hex(n, 24)
    const record: RecordedSpan = {
      name,
      kind: opts.kind ?? 'internal',
      traceId,
      spanId: hex(n, 16),
      links: [...(opts.links ?? [])],
      attributes: { ...opts.attributes },
      status: { ok: true },
      start: this.clock.now(),
    }
    if (parent) record.parentSpanId = parent[2]!
    this.spans.push(record)
    const clock = this.clock
    return {
      traceparent: `00-${record.traceId}-${record.spanId}-01`,
      setAttributes(attributes) {
        Object.assign(record.attributes, attributes)
      },
      fail(message) {
        record.status = { ok: false, message }
      },
      end() {
        record.end ??= clock.now()
      },
    }
  }

  /** Spans with this name, in start order. */
  byName(name: string): RecordedSpan[] {
    return this.spans.filter((s) => s.name === name)
  }

  /** Spans whose parent is `span`. */
  childrenOf(span: RecordedSpan): RecordedSpan[] {
    return this.spans.filter((s) => s.traceId === span.traceId && s.parentSpanId === span.spanId)
  }

  /** Every span of the trace (a trace id, or a span of it). */
  traceOf(trace: string | RecordedSpan): RecordedSpan[] {
    const id = typeof trace === 'string' ? trace : trace.traceId
    return this.spans.filter((s) => s.traceId === id)
  }

  /** The span a `traceparent` (a link, a child's parent) points at. */
  find(traceparent: string): RecordedSpan | undefined {
    const m = traceparentPattern.exec(traceparent)
    return m ? this.spans.find((s) => s.traceId === m[1] && s.spanId === m[2]) : undefined
  }

  /** Spans not ended yet (a leak, when the host has settled). */
  open(): RecordedSpan[] {
    return this.spans.filter((s) => s.end === undefined)
  }

  clear(): void {
    this.spans.length = 0
  }
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width)
}
