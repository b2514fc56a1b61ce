/**
 * The tracer port (actors/tracing.ts) on the OpenTelemetry API: contexts in and out as
 * `traceparent` strings, and the attributes X-Ray should index listed in
 * `aws.xray.annotations` (X-Ray's OTLP ingestion turns the listed ones into annotations, the
 * rest into metadata).
 *
 * The sampler is asked first: a span it drops (most of them at 1% sampling) is only a
 * `traceparent` with the unsampled flag, so its children and the node link carry the
 * decision on, and nothing of the SDK runs for it (no span object, no attribute copies, no
 * current context around a commit). A span it keeps is started by the SDK in the trace id it
 * was judged on; the SDK asks the same sampler again, which answers the same (the samplers
 * decide from the trace id, the parent and the attributes, all unchanged).
 */
import {
  context,
  ROOT_CONTEXT,
  SamplingDecision,
  SpanKind as OtelKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span as OtelSpan,
  type Tracer as OtelTracer,
} from '@opentelemetry/api'
import type { Sampler } from '@opentelemetry/sdk-trace'
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

const noAttributes: SpanAttributes = Object.freeze({})

/** `sampler` is the one the SDK's tracer provider was given. */
export function portTracer(tracer: OtelTracer, ids: AdoptingIdGenerator, sampler: Sampler): Tracer {
  return {
    startSpan(name: string, opts: SpanOptions = {}): Span {
      const links: Link[] = []
      for (const link of opts.links ?? []) {
        const parsed = parseTraceparent(link)
        if (parsed?.kind === 'span') links.push({ context: parsed.context })
      }
      const kind = kinds[opts.kind ?? 'internal']
      const parent = parseTraceparent(opts.parent)
      let parentContext: Context = ROOT_CONTEXT
      let traceId: string
      if (parent?.kind === 'span') {
        parentContext = trace.setSpanContext(ROOT_CONTEXT, parent.context)
        traceId = parent.context.traceId
      } else traceId = parent?.kind === 'root' ? parent.traceId : ids.generateTraceId()
      const attributes = opts.attributes ?? noAttributes
      const { decision } = sampler.shouldSample(parentContext, traceId, name, kind, attributes, links)
      if (decision === SamplingDecision.NOT_RECORD) return new DroppedSpan(traceId, ids.generateSpanId())
      const options = { kind, links, attributes: opts.attributes }
      // A root span starts in the trace id it was judged on (a child takes its parent's).
      const span =
        parent?.kind === 'span'
          ? tracer.startSpan(name, options, parentContext)
          : ids.adopt(traceId, () => tracer.startSpan(name, options, ROOT_CONTEXT))
      return new PortSpan(span, opts.attributes)
    },
    withActive<T>(span: Span, fn: () => T): T {
      // The instrumentations (the AWS SDK's) parent their spans on the active context.
      return span instanceof PortSpan ? context.with(trace.setSpan(context.active(), span.otel), fn) : fn()
    },
  }
}

/** A span the sampler dropped: its context goes on (unsampled), nothing is recorded. */
class DroppedSpan implements Span {
  readonly traceparent: string
  constructor(traceId: string, spanId: string) {
    this.traceparent = `00-${traceId}-${spanId}-00`
  }

  setAttributes(): void {}
  fail(): void {}
  end(): void {}
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
