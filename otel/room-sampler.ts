/**
 * Tracing one room at 100% while the rest is sampled (`TRACE_ROOMS`, docs/operations.md
 * "Tracing"): a span whose `room_id` attribute, given at its start, is a listed room is
 * sampled; so is a span whose parent in this process was sampled (the AWS SDK calls under a
 * listed room's commit carry no room_id, and the configured sampler may not be parent-based);
 * anything else is decided by the configured sampler (`OTEL_TRACES_SAMPLER`).
 *
 * A frame's span is a root (linked to its upgrade), so every frame of a listed room starts a
 * sampled trace, and its children (link hop, broadcast) follow. Following a local sampled
 * parent changes nothing for the standard samplers otherwise: a parent-based one does it
 * already, and `traceidratio` decides a trace's spans alike.
 */
import { trace, type Attributes, type Context, type Link, type SpanKind } from '@opentelemetry/api'
import { SamplingDecision, type Sampler, type SamplingResult } from '@opentelemetry/sdk-trace'

export class RoomSampler implements Sampler {
  private readonly rooms: ReadonlySet<string>

  private readonly delegate: Sampler
  constructor(rooms: readonly string[], delegate: Sampler) {
    this.delegate = delegate
    this.rooms = new Set(rooms)
  }

  shouldSample(
    context: Context,
    traceId: string,
    name: string,
    kind: SpanKind,
    attributes: Attributes,
    links: Link[],
  ): SamplingResult {
    const room = attributes.room_id
    if (typeof room === 'string' && this.rooms.has(room)) return { decision: SamplingDecision.RECORD_AND_SAMPLED }
    const parent = trace.getSpanContext(context)
    if (parent && !parent.isRemote && (parent.traceFlags & 1) === 1)
      return { decision: SamplingDecision.RECORD_AND_SAMPLED }
    return this.delegate.shouldSample(context, traceId, name, kind, attributes, links)
  }

  toString(): string {
    return `RoomSampler{rooms=${[...this.rooms].join(',')}, else ${this.delegate.toString()}}`
  }
}
