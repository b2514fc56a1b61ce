/**
 * The simulator can fail (docs/cluster.md "The simulator"): with the system broken on purpose
 * its checks report it, so a clean run means something. And a seed replays exactly.
 */
import t from 'tap'
import { simulate, type Mutant, type SimResult } from '../../actors/testing/cluster.ts'

/** Runs seeds from 1 until one reports a violation of `kinds` (at most `max` seeds). */
async function firstCaught(mutant: Mutant, kinds: string[], max: number): Promise<SimResult | undefined> {
  for (let seed = 1; seed <= max; seed++) {
    const result = await simulate({ seed, mutant })
    if (result.violations.some((v) => kinds.includes(v.kind))) return result
  }
  return undefined
}

const fencing = ['append_stale_epoch', 'append_not_owner', 'two_writers', 'append_after_release']

t.test('a store that ignores fences: a stale owner writes, and the ledger check says so', async (t) => {
  const caught = await firstCaught('ignore-fence', fencing, 60)
  t.ok(caught, 'some seed of 60 catches a write with a superseded epoch')
  if (!caught) return
  // The same seed with the real store: no write with a superseded epoch.
  const real = await simulate({ seed: caught.seed })
  t.same(
    real.violations.filter((v) => fencing.includes(v.kind)),
    [],
    `seed ${caught.seed} with fencing on`,
  )
})

t.test('a store that loses acknowledged writes: the ack checks say so', async (t) => {
  const caught = await firstCaught('lose-writes', ['acked_lost', 'acked_mismatch'], 10)
  t.ok(caught, 'some seed catches an acknowledged message that is not stored as acknowledged')
})

t.test('a connection that delivers a message twice: the view check says so', async (t) => {
  const caught = await firstCaught('duplicate-delivery', ['view_duplicate'], 10)
  t.ok(caught, 'some seed catches a duplicate in a client view')
})

t.test('revocations never announced to the other nodes: the revocation check says so', async (t) => {
  const caught = await firstCaught('local-revocations', ['revoked_still_in', 'revocation_not_seen'], 30)
  t.ok(caught, 'some seed catches a revoked member still in the room on another node')
})

t.test('a seed replays exactly: the same log, the same store', async (t) => {
  const a = await simulate({ seed: 7 })
  const b = await simulate({ seed: 7 })
  t.ok(a.log.length > 100, 'the run did something')
  t.same(b.log, a.log)
  t.same(b.stats, a.stats)
  t.not((await simulate({ seed: 8 })).log.join('\n'), a.log.join('\n'), 'another seed, another run')
})
