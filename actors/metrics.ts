/**
 * The metrics port: how the actors count things without knowing OpenTelemetry (docs:
 * operations.md "Metrics"). otel/metrics.ts implements it on a MeterProvider; the harness
 * records in memory (actors/testing/metric-recorder.ts); without one, nothing is counted.
 *
 * Attributes are low-cardinality codes only: never a room id, user id or message text.
 */

export type MetricAttributes = Record<string, string | number | boolean>

export interface InstrumentOptions {
  /** UCUM unit as OpenTelemetry writes it: `ms`, `By`, `{message}`. */
  unit: string
  description: string
}

/** A counter (only up) or an up-down counter. */
export interface Counter {
  add(value: number, attributes?: MetricAttributes): void
}

export interface Histogram {
  record(value: number, attributes?: MetricAttributes): void
}

export interface Metrics {
  counter(name: string, opts: InstrumentOptions): Counter
  upDownCounter(name: string, opts: InstrumentOptions): Counter
  histogram(name: string, opts: InstrumentOptions): Histogram
}

const noopInstrument: Counter & Histogram = { add() {}, record() {} }

/** Counts nothing (the default). */
export const noopMetrics: Metrics = {
  counter: () => noopInstrument,
  upDownCounter: () => noopInstrument,
  histogram: () => noopInstrument,
}

/** The host's instruments, made once per host (names and units: docs/operations.md "Metrics"). */
export interface HostMetrics {
  /** False for the noop port: callers skip work that only feeds metrics (byte counts). */
  readonly enabled: boolean
  readonly connections: Counter
  readonly activeRooms: Counter
  readonly messagesStored: Counter
  readonly commitDuration: Histogram
  readonly deliveries: Counter
  readonly refusals: Counter
  readonly slowConsumersClosed: Counter
  readonly storeErrors: Counter
  readonly linkMessages: Counter
  readonly linkBytes: Counter
  readonly eventsPublished: Counter
  readonly eventsPublishFailures: Counter
  readonly eventsBacklog: Counter
}

export function hostMetrics(metrics: Metrics): HostMetrics {
  return {
    enabled: metrics !== noopMetrics,
    connections: metrics.upDownCounter('guildhall.connections', {
      unit: '{connection}',
      description: 'Open client WebSocket connections on this node',
    }),
    activeRooms: metrics.upDownCounter('guildhall.rooms.active', {
      unit: '{room}',
      description: 'Rooms with a live actor on this node',
    }),
    messagesStored: metrics.counter('guildhall.messages.stored', {
      unit: '{message}',
      description: 'Messages durably stored by this node',
    }),
    commitDuration: metrics.histogram('guildhall.commit.duration', {
      unit: 'ms',
      description: 'Duration of one group commit (store write), successful or not',
    }),
    deliveries: metrics.counter('guildhall.deliveries', {
      unit: '{delivery}',
      description: 'Message frames handed to local connections or node links by rooms here',
    }),
    refusals: metrics.counter('guildhall.refusals', {
      unit: '{refusal}',
      description: 'Error frames sent to clients, by code',
    }),
    slowConsumersClosed: metrics.counter('guildhall.slow_consumers.closed', {
      unit: '{connection}',
      description: 'Connections cut for not reading their frames',
    }),
    storeErrors: metrics.counter('guildhall.store.errors', {
      unit: '{error}',
      description: 'Failed store operations, by operation',
    }),
    linkMessages: metrics.counter('guildhall.link.messages', {
      unit: '{message}',
      description: 'Messages on links between nodes, by direction',
    }),
    linkBytes: metrics.counter('guildhall.link.bytes', {
      unit: 'By',
      description: 'UTF-8 bytes of messages on links between nodes, by direction',
    }),
    eventsPublished: metrics.counter('guildhall.events.published', {
      unit: '{event}',
      description: 'message.created events the queue accepted from rooms on this node',
    }),
    eventsPublishFailures: metrics.counter('guildhall.events.publish_failures', {
      unit: '{failure}',
      description: 'Publish attempts of a room that left events unaccepted (each retried later)',
    }),
    eventsBacklog: metrics.upDownCounter('guildhall.events.backlog', {
      unit: '{event}',
      description: 'Messages stored by rooms on this node whose event the queue has not yet accepted',
    }),
  }
}

export const noopHostMetrics: HostMetrics = hostMetrics(noopMetrics)

/** Attribute sets made once (the hot path allocates none). */
export const linkIn: MetricAttributes = Object.freeze({ direction: 'in' })
export const linkOut: MetricAttributes = Object.freeze({ direction: 'out' })
/** `guildhall.store.errors` by operation: a group commit, loading a room at activation (its claim included), reading messages (history, or checking a failed write), saving a read marker. */
export const appendOperation: MetricAttributes = Object.freeze({ operation: 'append' })
export const loadOperation: MetricAttributes = Object.freeze({ operation: 'load' })
export const readOperation: MetricAttributes = Object.freeze({ operation: 'read' })
export const readMarkerOperation: MetricAttributes = Object.freeze({ operation: 'read_marker' })

const codeAttributes = new Map<string, MetricAttributes>()

/** `{ code }` for a refusal, one object per code (a closed set: actors/protocol/errors.ts). */
export function refusalCode(code: string): MetricAttributes {
  let attributes = codeAttributes.get(code)
  if (!attributes) {
    attributes = Object.freeze({ code })
    codeAttributes.set(code, attributes)
  }
  return attributes
}
