/**
 * One node's way to the shared store, as over a network: each call reaches the store after a
 * seeded delay and its answer comes back after another; it may fail before it is applied, or
 * after (the ambiguous outcome of a timeout: the write happened, the caller hears an error);
 * answers to a paused node wait until it resumes, answers to a crashed one are lost. Calls
 * are applied one at a time in the order they reach the store, and what was applied goes in
 * the ledger.
 */
import { StoreFaultError, storeWrites } from '../faults.ts'
import type { Ledger } from './ledger.ts'
import type { Rng } from './random.ts'
import type { NodeGate, SimClock } from './sim-clock.ts'

/** How the store behaves for a node right now (the simulator changes it over a run). */
export interface StoreWeather {
  /** One-way delay of a request or an answer, ms (both ends included). */
  latency: [number, number]
  /** Probability that a call fails before it is applied. */
  failBefore: number
  /** Probability that a write is applied and then answered with an error. */
  failAfter: number
}

export const calmWeather: StoreWeather = { latency: [1, 8], failBefore: 0, failAfter: 0 }

/** Calls that change the shared store: the store's writes and the lease renewals and removals. */
const writes = new Set<string>([...storeWrites, 'renew', 'remove'])

/** Where the calls go: the shared store, applied in one queue for every node. */
export class SharedBackend {
  private queue: Promise<unknown> = Promise.resolve()

  readonly clock: SimClock
  readonly ledger: Ledger
  constructor(clock: SimClock, ledger: Ledger) {
    this.clock = clock
    this.ledger = ledger
  }

  /** Applies `run` once every call that reached the store before it has been applied. */
  apply<T>(run: () => Promise<T>): Promise<T> {
    const done = this.queue.then(run)
    this.queue = done.catch(() => undefined)
    return done
  }
}

export interface RemoteOptions {
  backend: SharedBackend
  node: string
  gate: NodeGate
  rng: Rng
  weather: () => StoreWeather
  /**
   * Break the store on purpose, to prove the checks are not vacuous: `ignore-fence` drops
   * `fence` from appends (a store that does not fence); `lose-writes` answers some appends
   * with success without applying them (a store that acknowledges what it did not keep).
   */
  mutant?: 'ignore-fence' | 'lose-writes'
}

/**
 * Wraps every method of `inner` (a Store, or the lease store) as a remote call from one node.
 * `maxBatchSize` and other plain fields are copied.
 */
export function remote<T extends object>(inner: T, opts: RemoteOptions): T {
  const methods = new Set<string>()
  for (let o: object | null = inner; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) if (name !== 'constructor') methods.add(name)
  }
  const wrapped: Record<string, unknown> = {}
  for (const name of methods) {
    const value = (inner as Record<string, unknown>)[name]
    if (typeof value !== 'function') {
      if (value !== undefined) wrapped[name] = value
      continue
    }
    if (name === 'close') {
      wrapped[name] = async () => undefined // the shared store outlives every node
      continue
    }
    wrapped[name] = (...args: unknown[]) => call(opts, name, () => applied(opts, name, args, value.bind(inner)))
  }
  return wrapped as T
}

function call<T>(opts: RemoteOptions, method: string, run: () => Promise<T>): Promise<T> {
  const { backend, gate, rng } = opts
  const clock = backend.clock
  const weather = opts.weather()
  const delay = (): number => rng.int(weather.latency[0], weather.latency[1])
  const failBefore = rng.chance(weather.failBefore)
  const failAfter = writes.has(method) && rng.chance(weather.failAfter)
  return new Promise<T>((resolve, reject) => {
    const answer = (settle: () => void): void => {
      clock.at(clock.now() + delay(), () => gate.run(settle))
    }
    // The request is on the wire: it reaches the store even if the node stops meanwhile.
    clock.at(clock.now() + delay(), () => {
      if (failBefore) return answer(() => reject(new StoreFaultError(`injected fault in ${method} (not applied)`)))
      backend.apply(run).then(
        (value) =>
          answer(
            failAfter
              ? () => reject(new StoreFaultError(`injected fault in ${method} (applied)`))
              : () => resolve(value),
          ),
        (err: unknown) => answer(() => reject(err)),
      )
    })
  })
}

/** Runs the call on the shared store and writes what it applied in the ledger. */
async function applied(
  opts: RemoteOptions,
  method: string,
  args: unknown[],
  fn: (...a: unknown[]) => Promise<unknown>,
): Promise<unknown> {
  const { backend, node } = opts
  const at = backend.clock.now()
  const ledger = backend.ledger
  switch (method) {
    case 'append': {
      const [room, expectedSeq, batch, fence] = args as [string, number, { seq: number }[], number | undefined]
      if (opts.mutant === 'lose-writes' && opts.rng.chance(0.05)) return undefined
      const result = await fn(room, expectedSeq, batch, opts.mutant === 'ignore-fence' ? undefined : fence)
      ledger.add({ kind: 'append', at, room, node, fence, seqs: batch.map((m) => m.seq) })
      return result
    }
    case 'claimRoom': {
      const [room, claimer] = args as [string, string]
      const claim = (await fn(...args)) as { epoch: number }
      ledger.add({ kind: 'claim', at, room, node: claimer, epoch: claim.epoch })
      return claim
    }
    case 'releaseRoom': {
      const [room, releaser, epoch] = args as [string, string, number]
      const released = (await fn(...args)) as boolean
      ledger.add({ kind: 'release', at, room, node: releaser, epoch, released })
      return released
    }
    default:
      return fn(...args)
  }
}
