/**
 * An exporter that cannot reach its endpoint must never slow or break chat. The SDK's batch
 * processor already bounds its queue (spans past `maxQueueSize` are dropped) and exports off
 * the request path; this wraps it to COUNT what is lost: spans refused because the queue was
 * full, and spans in a batch whose export failed (endpoint down, timed out, refused). The
 * queue is counted here (spans handed to the processor, less spans it handed to the
 * exporter), so a span is refused here exactly when the processor would drop it.
 */
import { ExportResultCode, type ExportResult } from '@opentelemetry/core'
import type { Context } from '@opentelemetry/api'
import type { ReadableSpan, Span, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace'

export interface ExportStats {
  /** Spans the endpoint accepted. */
  exported: number
  /** Spans lost: the queue was full, or their batch's export failed. */
  dropped: number
}

export type LossReport = (reason: 'queue_full' | 'export_failed', spans: number, error?: Error) => void

/** Counts what reaches the exporter and what it fails to deliver. */
export class CountingExporter implements SpanExporter {
  private readonly inFlight = new Set<Promise<void>>()

  private readonly inner: SpanExporter
  private readonly stats: ExportStats
  private readonly handed: (spans: number) => void
  private readonly lost: LossReport
  constructor(inner: SpanExporter, stats: ExportStats, handed: (spans: number) => void, lost: LossReport) {
    this.inner = inner
    this.stats = stats
    this.handed = handed
    this.lost = lost
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.handed(spans.length)
    let settle!: () => void
    const settled = new Promise<void>((resolve) => (settle = resolve))
    this.inFlight.add(settled)
    this.inner.export(spans, (result) => {
      this.inFlight.delete(settled)
      settle()
      if (result.code === ExportResultCode.SUCCESS) this.stats.exported += spans.length
      else {
        this.stats.dropped += spans.length
        this.lost('export_failed', spans.length, result.error)
      }
      done(result)
    })
  }

  /**
   * Resolves once every export started so far has its outcome. The batch processor's
   * shutdown does not wait for a batch its timer already sent; this does, so the counts are
   * final after `Tracing.shutdown`.
   */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all(this.inFlight)
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown()
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve()
  }
}

/** In front of the batch processor: refuses (and counts) a span when its queue is full. */
export class BoundedProcessor implements SpanProcessor {
  private queued = 0

  private readonly inner: SpanProcessor
  private readonly maxQueueSize: number
  private readonly stats: ExportStats
  private readonly lost: LossReport
  constructor(inner: SpanProcessor, maxQueueSize: number, stats: ExportStats, lost: LossReport) {
    this.inner = inner
    this.maxQueueSize = maxQueueSize
    this.stats = stats
    this.lost = lost
  }

  /** The processor handed `n` queued spans to the exporter. */
  readonly handed = (n: number): void => {
    this.queued = Math.max(0, this.queued - n)
  }

  onStart(span: Span, context: Context): void {
    this.inner.onStart(span, context)
  }

  onEnd(span: ReadableSpan): void {
    // Spans not sampled are never queued (the processor ignores them too).
    if ((span.spanContext().traceFlags & 1) === 0) return
    if (this.queued >= this.maxQueueSize) {
      this.stats.dropped++
      this.lost('queue_full', 1)
      return
    }
    this.queued++
    this.inner.onEnd(span)
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush()
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown()
  }
}
