/**
 * A tracer provider whose spans exist only under a current span: the AWS SDK instrumentation
 * records a store call made inside a traced operation (a group commit, run with its span
 * active) and nothing for the others (lease renewals, membership scans every few seconds),
 * which would otherwise each be a trace of their own.
 */
import {
  context,
  trace,
  INVALID_SPAN_CONTEXT,
  type Context,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api'

export function childrenOnly(provider: TracerProvider): TracerProvider {
  return {
    getTracer(name, version, options): Tracer {
      const tracer = provider.getTracer(name, version, options)
      const unparented = (ctx: Context) => trace.getSpan(ctx) === undefined
      return {
        startSpan(spanName: string, opts?: SpanOptions, ctx: Context = context.active()) {
          return unparented(ctx) ? trace.wrapSpanContext(INVALID_SPAN_CONTEXT) : tracer.startSpan(spanName, opts, ctx)
        },
        startActiveSpan: ((...args: unknown[]) =>
          (tracer.startActiveSpan as (...a: unknown[]) => unknown)(...args)) as Tracer['startActiveSpan'],
      }
    },
  }
}
