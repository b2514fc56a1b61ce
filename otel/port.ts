/**
 * The tracer port (actors/tracing.ts) on the OpenTelemetry API: contexts in and out as
 * `traceparent` strings, and the attributes X-Ray should index listed in
 * `aws.xray.annotations` (X-Ray's OTLP ingestion turns the listed ones into annotations, the
 * rest into metadata).
 */
import {
  context,
  ROOT_CONTEXT,
  SpanKind as OtelKind,
  SpanStatusCode,
  trace,
  type Link,
  type Span as OtelSpan,
  type Tracer as OtelTracer,
} from '@opentelemetry/api'
import {
  annotatedAttributes,
  type Span,
  type SpanAttributes,
  type SpanKind,
  type SpanOptions,
  type Tracer,
} from '../actors/tracing.ts'
import type { AdoptingIdGenerator } from './id-generator.ts'
import { parseTraceparent, toTraceparent } from './traceparent.ts'

export const annotationsAttribute = 'aws.xray.annotations'

const kinds: Record<SpanKind, OtelKind> = {
  server: OtelKind.SERVER,
  client: OtelKind.CLIENT,
  internal: OtelKind.INTERNAL,
  producer: OtelKind.PRODUCER,
  consumer: OtelKind.CONSUMER,
}

const annotated: ReadonlySet<string> = new Set(annotatedAttributes)

export function portTracer(tracer: OtelTracer, ids: AdoptingIdGenerator): Tracer {
  return {
    startSpan(name: string, opts: SpanOptions = {}): Span {
      const links: Link[] = []
      for (const link of opts.links ?? []) {
        const parsed = parseTraceparent(link)
        if (parsed?.kind === 'span') links.push({ context: parsed.context })
      }
      const options = { kind: kinds[opts.kind ?? 'internal'], links, attributes: opts.attributes }
      const parent = parseTraceparent(opts.parent)
      let span: OtelSpan
      if (parent?.kind === 'span')
        span = tracer.startSpan(name, options, trace.setSpanContext(ROOT_CONTEXT, parent.context))
      else if (parent?.kind === 'root')
        span = ids.adopt(parent.traceId, () => tracer.startSpan(name, options, ROOT_CONTEXT))
      else span = tracer.startSpan(name, options, ROOT_CONTEXT)
      return new PortSpan(span, opts.attributes)
    },
    withActive<T>(span: Span, fn: () => T): T {
      // The instrumentations (the AWS SDK's) parent their spans on the active context.
      return span instanceof PortSpan ? context.with(trace.setSpan(context.active(), span.otel), fn) : fn()
    },
  }
}

class PortSpan implements Span {
  readonly traceparent: string
  private readonly annotations: string[] = []

  readonly otel: OtelSpan
  constructor(otel: OtelSpan, attributes: SpanAttributes | undefined) {
    this.otel = otel
    this.traceparent = toTraceparent(otel.spanContext())
    if (attributes) this.annotate(attributes)
  }

  setAttributes(attributes: SpanAttributes): void {
    this.otel.setAttributes(attributes)
    this.annotate(attributes)
  }

  fail(message: string): void {
    this.otel.setStatus({ code: SpanStatusCode.ERROR, message })
  }

  end(): void {
    this.otel.end()
  }

  private annotate(attributes: SpanAttributes): void {
    // A span not sampled records nothing: skip the bookkeeping.
    if (!this.otel.isRecording()) return
    let added = false
    for (const key in attributes) {
      if (annotated.has(key) && !this.annotations.includes(key)) {
        this.annotations.push(key)
        added = true
      }
    }
    if (added) this.otel.setAttribute(annotationsAttribute, [...this.annotations])
  }
}
