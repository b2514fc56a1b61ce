/**
 * The cluster simulator, public (docs/cluster.md "The simulator"): many nodes of the real
 * runtime on one virtual clock, a shared store and lease table with seeded delays and
 * failures, an in-memory network with partitions, crashes, pauses, drains and joins, virtual
 * users that behave as correct clients, and the invariants checked after every run.
 *
 *   import { simulate } from 'guildhall/actors/testing/cluster.ts'
 *   const result = await simulate({ seed: 7 })
 *   if (result.violations.length) console.log(result.replay, result.violations)
 */
export {
  simulate,
  type Mutant,
  type SimNetwork,
  type SimOptions,
  type SimResult,
  type SimStats,
} from './cluster/simulator.ts'
export { checkInvariants, type CheckInput, type Violation } from './cluster/invariants.ts'
export { Ledger, type LedgerEntry } from './cluster/ledger.ts'
export { Rng } from './cluster/random.ts'
export { NodeClock, NodeGate, SimClock } from './cluster/sim-clock.ts'
export { SimSocket, SimUser, type ClientWorld, type RoomView } from './cluster/sim-client.ts'
export { calmWeather, remote, SharedBackend, type StoreWeather } from './cluster/sim-store.ts'
export { GatedTransport } from './cluster/gated-link.ts'
