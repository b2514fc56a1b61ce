/**
 * X-Ray's ids (@opentelemetry/id-generator-aws-xray: a trace id's first 8 hex digits are its
 * start in epoch seconds), plus one thing the SDK has no option for: starting a root span in
 * a trace id we were given (an ALB's Root, otel/alb-propagator.ts). The SDK asks the generator
 * for a root span's trace id synchronously inside `startSpan`, so `adopt` sets the id for
 * exactly that call.
 */
import { AWSXRayIdGenerator } from '@opentelemetry/id-generator-aws-xray'

export class AdoptingIdGenerator {
  private readonly xray = new AWSXRayIdGenerator()
  private adopted: string | undefined

  generateTraceId(): string {
    const id = this.adopted ?? this.xray.generateTraceId()
    this.adopted = undefined
    return id
  }

  generateSpanId(): string {
    return this.xray.generateSpanId()
  }

  /** Runs `start` (one synchronous span start) with `traceId` as the root span's trace id. */
  adopt<T>(traceId: string, start: () => T): T {
    this.adopted = traceId
    try {
      return start()
    } finally {
      this.adopted = undefined
    }
  }
}
