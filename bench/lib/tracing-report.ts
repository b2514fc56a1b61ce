/**
 * The tracing benchmark's table, rendered from its raw result, so docs/benchmarks.md can cite
 * rows that test/ci/bench-citations.test.ts checks against the committed JSON.
 */
/** `control` is a second server with tracing off: its ratio to `off` is the spread between two identical servers. */
export type TracingMode = 'off' | 'control' | 'sampled1' | 'sampled100'

export interface TracingSide {
  mode: TracingMode
  /** Over the whole run: the server's CPU divided by its deliveries. */
  cpuUsPerDelivery: number
  cpuUs: number
  delivered: number
  deliveredRatio: number
  p50Ms?: number
  p99Ms?: number
  /** What reached the local OTLP receiver while this side ran (export requests, bytes). */
  exports: number
  exportBytes: number
  /** Spans the server dropped (its trace_spans_dropped log lines). */
  spansDropped: number
}

export interface TracingResult {
  benchmark: 'tracing'
  subscribers: number
  rate: number
  /** One sending window. */
  seconds: number
  /** Windows per mode: the modes' windows alternate. */
  windows: number
  /** The run is cut into this many blocks of consecutive rounds, each with its own ratios. */
  blocks: number
  sides: Record<TracingMode, TracingSide>
  /** Each mode's CPU per delivery over off's, over the whole run and per block. */
  ratios: { control: number; sampled1: number; sampled100: number }
  blockRatios: { control: number[]; sampled1: number[]; sampled100: number[] }
}

const label: Record<TracingMode, string> = {
  off: 'tracing off',
  control: 'tracing off, a second server (control)',
  sampled1: 'tracing on, 1% sampled',
  sampled100: 'tracing on, 100% sampled',
}

export function tracingTable(r: TracingResult): string {
  const side = (m: TracingMode) => {
    const s = r.sides[m]
    const exported =
      m === 'off' || m === 'control'
        ? ''
        : `, ${s.exports} export requests, ${kib(s.exportBytes)} KiB, ${s.spansDropped} spans dropped`
    return `| ${label[m]}, server CPU per delivery | ${s.cpuUsPerDelivery} µs (${s.delivered} deliveries, ${pct(s.deliveredRatio)} delivered, p50 / p99 ${s.p50Ms ?? '-'} / ${s.p99Ms ?? '-'} ms${exported}) |`
  }
  return [
    '| measure | value |',
    '|---|---|',
    side('off'),
    side('control'),
    side('sampled1'),
    side('sampled100'),
    `| ${label.control} / off | ${r.ratios.control}x (each of ${r.blocks} blocks: ${r.blockRatios.control.join(', ')}) |`,
    `| ${label.sampled1} / off | ${r.ratios.sampled1}x (each of ${r.blocks} blocks: ${r.blockRatios.sampled1.join(', ')}) |`,
    `| ${label.sampled100} / off | ${r.ratios.sampled100}x (each of ${r.blocks} blocks: ${r.blockRatios.sampled100.join(', ')}) |`,
    '',
  ].join('\n')
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`
}

function kib(bytes: number): number {
  return Math.round(bytes / 1024)
}
