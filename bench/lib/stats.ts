/** Percentiles over latency samples and rounding for reports. */

export function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[i]
}

export function round(n: number | undefined, digits = 3): number | undefined {
  if (n === undefined || !Number.isFinite(n)) return undefined
  const f = 10 ** Math.max(0, digits - Math.floor(Math.log10(Math.abs(n) || 1)) - 1)
  return Math.round(n * f) / f
}

export function latency(samples: number[]): { p50Ms?: number; p99Ms?: number; samples: number } {
  const sorted = samples.slice().sort((a, b) => a - b)
  return { p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), samples: sorted.length }
}
