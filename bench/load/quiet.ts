import { setTimeout as sleep } from 'node:timers/promises'
import type { Snapshot } from './messages.ts'
import type { LoadPool } from './pool.ts'

/** Snapshots until deliveries stop (at most 15 s): the sum over the window and its tail. */
export async function untilQuiet(pool: LoadPool): Promise<Snapshot> {
  const total = await pool.snapshot()
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    await sleep(500)
    const s = await pool.snapshot()
    total.delivered += s.delivered
    total.acks += s.acks
    total.errors += s.errors
    total.sent += s.sent
    total.samplesMs.push(...s.samplesMs)
    if (s.delivered === 0) break
  }
  return total
}
