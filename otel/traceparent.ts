/**
 * The tracer port carries contexts as W3C `traceparent` strings (actors/tracing.ts); these
 * convert them to and from OpenTelemetry span contexts. One extension, private to otel/: a
 * span id of all zeros means "a trace id and no parent span", which is what an ALB's
 * `X-Amzn-Trace-Id: Root=...` gives (otel/alb-propagator.ts): a span started with it is a root
 * span in that trace (otel/port.ts).
 */
import { TraceFlags, type SpanContext } from '@opentelemetry/api'

const pattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/
const zeroTrace = '0'.repeat(32)
export const noParentSpanId = '0'.repeat(16)

export function toTraceparent(sc: Pick<SpanContext, 'traceId' | 'spanId' | 'traceFlags'>): string {
  return `00-${sc.traceId}-${sc.spanId}-${sc.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`
}

/** A trace id alone (the ALB's Root): root spans started with it join that trace. */
export function rootOnlyTraceparent(traceId: string): string {
  return `00-${traceId}-${noParentSpanId}-01`
}

export type Parsed = { kind: 'span'; context: SpanContext } | { kind: 'root'; traceId: string }

/** `undefined` for anything malformed or all-zero (the noop tracer's context): no parent. */
export function parseTraceparent(traceparent: string | undefined): Parsed | undefined {
  const m = traceparent === undefined ? null : pattern.exec(traceparent)
  if (!m || m[1] === zeroTrace) return undefined
  const [, traceId, spanId, flags] = m as unknown as [string, string, string, string]
  if (spanId === noParentSpanId) return { kind: 'root', traceId }
  return {
    kind: 'span',
    context: { traceId, spanId, traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true },
  }
}
