/**
 * The cluster simulator over many seeds (docs/cluster.md "The simulator"): each seed is one
 * run of 3-5 real nodes with crashes, pauses past the lease, partitions, a slow and failing
 * store, joins and drains, and virtual users behaving as correct clients; after each run
 * every invariant is checked. A failing seed prints how to replay it:
 *
 *   SIM_SEED=123 npx tap test/sim/cluster.test.ts          one seed (SIM_LOG=1: its whole log)
 *   SIM_SEEDS=2000 SIM_FIRST=1000 npx tap test/sim/cluster.test.ts   more seeds
 */
import t from 'tap'
import { simulate } from '../../actors/testing/cluster.ts'
import { knownBugs } from './known-bugs.ts'
import { describeFailure } from './report.ts'

/** Seeds in CI: chosen so that this file runs in well under a minute on two loaded cores. */
const defaultSeeds = 400

const one = process.env.SIM_SEED
const first = Number(process.env.SIM_FIRST ?? 1)
const count = Number(process.env.SIM_SEEDS ?? defaultSeeds)
const seeds = one !== undefined ? [Number(one)] : Array.from({ length: count }, (_, i) => first + i)
const fullLog = process.env.SIM_LOG === '1'

t.test(`the invariants hold over ${seeds.length} seed(s)`, async (t) => {
  let messages = 0
  let clean = 0
  for (const seed of seeds) {
    const result = await simulate({ seed })
    messages += result.stats.messages
    if (result.violations.length === 0) {
      clean++
      continue
    }
    const unknown = result.violations.filter((v) => knownBugs[v.kind] === undefined)
    const report = describeFailure(result, fullLog || one !== undefined)
    if (unknown.length > 0) {
      t.fail(`seed ${seed}: ${[...new Set(unknown.map((v) => v.kind))].join(', ')}`, { diagnostic: true })
      t.comment(report)
    } else {
      const kinds = [...new Set(result.violations.map((v) => v.kind))]
      t.fail(`seed ${seed}: known bug(s) ${kinds.join(', ')} (replay: ${result.replay})`, {
        todo: kinds.map((k) => `${k}: ${knownBugs[k]}`).join('; '),
      })
    }
  }
  t.pass(`${clean} of ${seeds.length} seeds clean, ${messages} messages stored`)
})
