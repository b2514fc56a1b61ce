/**
 * An in-memory `Metrics` for tests (actors/metrics.ts): every measurement is kept with its
 * instrument and attributes, so that a test asserts on counts without an exporter.
 */
import type { Counter, Histogram, InstrumentOptions, MetricAttributes, Metrics } from '../metrics.ts'

export type InstrumentKind = 'counter' | 'upDownCounter' | 'histogram'

export interface RecordedMeasurement {
  name: string
  kind: InstrumentKind
  value: number
  attributes: MetricAttributes
}

export class MetricRecorder implements Metrics {
  /** Every measurement, in order. */
  readonly measurements: RecordedMeasurement[] = []
  /** The instruments made, by name. */
  readonly instruments = new Map<string, InstrumentOptions & { kind: InstrumentKind }>()

  counter(name: string, opts: InstrumentOptions): Counter {
    return this.instrument(name, 'counter', opts)
  }

  upDownCounter(name: string, opts: InstrumentOptions): Counter {
    return this.instrument(name, 'upDownCounter', opts)
  }

  histogram(name: string, opts: InstrumentOptions): Histogram {
    return this.instrument(name, 'histogram', opts)
  }

  /** Measurements of this instrument whose attributes include `attributes`. */
  of(name: string, attributes: MetricAttributes = {}): RecordedMeasurement[] {
    return this.measurements.filter(
      (m) => m.name === name && Object.entries(attributes).every(([k, v]) => m.attributes[k] === v),
    )
  }

  /** The sum of a counter's values (its current value, for an up-down counter). */
  sum(name: string, attributes: MetricAttributes = {}): number {
    return this.of(name, attributes).reduce((total, m) => total + m.value, 0)
  }

  clear(): void {
    this.measurements.length = 0
  }

  private instrument(name: string, kind: InstrumentKind, opts: InstrumentOptions): Counter & Histogram {
    this.instruments.set(name, { ...opts, kind })
    const record = (value: number, attributes?: MetricAttributes): void => {
      this.measurements.push({ name, kind, value, attributes: { ...attributes } })
    }
    return { add: record, record }
  }
}
