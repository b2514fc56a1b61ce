/** How a failing seed is shown: how to replay it, what broke, the faults, the end of its log. */
import type { SimResult } from '../../actors/testing/cluster.ts'

export function describeFailure(result: SimResult, fullLog: boolean): string {
  const lines = [
    `seed ${result.seed} broke ${result.violations.length} invariant(s); replay with:`,
    `  ${result.replay}`,
    `  (SIM_LOG=1 prints the whole log of the run)`,
    'violations:',
    ...result.violations.slice(0, 30).map((v) => `  ${v.kind}: ${v.detail}`),
    ...(result.violations.length > 30 ? [`  ... and ${result.violations.length - 30} more`] : []),
    'faults:',
    ...result.stats.faults.map((f) => `  ${f}`),
    fullLog ? 'log:' : 'last 150 lines of the log:',
    ...(fullLog ? result.log : result.log.slice(-150)).map((l) => `  ${l}`),
  ]
  return lines.join('\n')
}
