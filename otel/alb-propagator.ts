/**
 * An ALB adds `X-Amzn-Trace-Id: Root=1-<8 hex epoch>-<24 hex>` to every request it forwards,
 * with no `Parent` (the ALB records no span of its own). The stock X-Ray propagator
 * (@opentelemetry/propagator-aws-xray) needs both `Parent` and `Sampled`, so it ignores that
 * header and our spans would start a trace of their own, unrelated to the ALB's access log.
 * This extractor keeps the Root in the context (`albRootKey`) so that the request's span
 * becomes a root span IN the ALB's trace (otel/port.ts adopts the id). A header with a valid
 * `Parent` but no `Sampled` decision (`Sampled=?`, or none) continues that parent, sampled.
 *
 * It injects nothing: what we send on carries a real parent, for the stock propagators.
 */
import {
  createContextKey,
  trace,
  TraceFlags,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
} from '@opentelemetry/api'

export const albRootKey = createContextKey('guildhall.alb_trace_root')

const header = 'x-amzn-trace-id'
const rootPattern = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/
const parentPattern = /^[0-9a-f]{16}$/

export class AlbRootPropagator implements TextMapPropagator {
  inject(): void {}

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const raw = getter.get(carrier, header)
    const value = Array.isArray(raw) ? raw[0] : raw
    if (typeof value !== 'string') return context
    const fields = parseFields(value)
    const root = rootPattern.exec(fields.get('root') ?? '')
    if (!root) return context
    const traceId = root[1]! + root[2]!
    if (/^0+$/.test(traceId)) return context
    const parent = fields.get('parent') ?? ''
    if (parentPattern.test(parent) && !/^0+$/.test(parent)) {
      const sampled = fields.get('sampled') === '0' ? TraceFlags.NONE : TraceFlags.SAMPLED
      return trace.setSpanContext(context, { traceId, spanId: parent, traceFlags: sampled, isRemote: true })
    }
    return context.setValue(albRootKey, traceId)
  }

  fields(): string[] {
    return [header]
  }
}

/** `Root=...;Parent=...;Sampled=1;Self=...` → lower-cased keys. */
function parseFields(value: string): Map<string, string> {
  const fields = new Map<string, string>()
  for (const part of value.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0)
      fields.set(
        part.slice(0, eq).trim().toLowerCase(),
        part
          .slice(eq + 1)
          .trim()
          .toLowerCase(),
      )
  }
  return fields
}
