/**
 * The tracer port: how the actors record spans without knowing OpenTelemetry (docs:
 * operations.md "Tracing"). src/ (otel/) implements it on the OpenTelemetry API; the harness
 * records spans in memory (actors/testing/span-recorder.ts); without one, nothing is recorded.
 *
 * A trace context crosses process boundaries as a W3C `traceparent` string
 * ("00-<32 hex trace id>-<16 hex span id>-<2 hex flags>"), so the node link can carry it
 * as one header field and the harness can make its own.
 */

/** Span attribute values (never message text, never a token). */
export type SpanAttributes = Record<string, string | number | boolean>

export type SpanKind = 'server' | 'client' | 'internal' | 'producer' | 'consumer'

export interface SpanOptions {
  kind?: SpanKind
  /** Continue this trace (a `traceparent`): the span is a child of it. */
  parent?: string
  /** Point at other traces without joining them (a frame's span links to its upgrade's). */
  links?: readonly string[]
  attributes?: SpanAttributes
}

export interface Span {
  /** This span's context as a `traceparent`, for children, links and the node link. */
  readonly traceparent: string
  setAttributes(attributes: SpanAttributes): void
  /** The operation failed; `message` is a code or a short reason, never user text. */
  fail(message: string): void
  end(): void
}

export interface Tracer {
  startSpan(name: string, opts?: SpanOptions): Span
  /**
   * Runs `fn` with `span` as the current span, so that what the adapter instruments inside it
   * (the AWS SDK's calls under a group commit) records child spans. Optional: a tracer without
   * it (the noop one) runs nothing around `fn`.
   */
  withActive?<T>(span: Span, fn: () => T): T
}

/** Attributes X-Ray indexes as annotations (listed in `aws.xray.annotations` by the adapter). */
export const annotatedAttributes = ['room_id', 'guild_id', 'user_id', 'node', 'message_id', 'seq'] as const

const noopSpan: Span = {
  traceparent: '00-00000000000000000000000000000000-0000000000000000-00',
  setAttributes() {},
  fail() {},
  end() {},
}

/** Records nothing (the default). */
export const noopTracer: Tracer = { startSpan: () => noopSpan }
