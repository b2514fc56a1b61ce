/**
 * `MemoryLeaseStore`: the LeaseStore port (actors/cluster/ports.ts) in a plain map, with the
 * semantics of the DynamoDB one (src/store/dynamodb/leases.ts; both pass
 * test/contract/leases.ts): `renew` creates the lease at version 1 or raises it by one,
 * `list` returns every lease in id order, `remove` deletes (a later renewal starts again at 1).
 *
 * For the simulator: `view(caller)` is another handle on the same table, one per node, each
 * with its own faults, so one node can be cut off from the table while the others are not.
 * Faults, decided when a call is made: `failNext` (optionally after applying: a renewal that
 * went in but whose answer was lost), `stall` (held until released), and `hook`, awaited
 * before every call (delay it on virtual time, or throw to fail it with nothing applied).
 */
import type { LeaseRenewal, LeaseStore, NodeLease } from '../cluster/ports.ts'
import { FaultRules, type FailOptions } from './faults.ts'

export type LeaseOp = 'renew' | 'list' | 'remove'
export type LeaseTarget = LeaseOp | 'any'

export interface LeaseCall {
  op: LeaseOp
  /** The handle's caller (`view(caller)`), if named. */
  caller?: string
  /** The lease renewed or removed. */
  id?: string
}

/** What an injected failure rejects with. */
export class LeaseFaultError extends Error {
  override name = 'LeaseFaultError'
}

export class MemoryLeaseStore implements LeaseStore {
  /** Awaited before each call of this handle; throwing fails the call, applying nothing. */
  hook?: (call: LeaseCall) => void | Promise<void>
  /** Calls made through this handle, per operation. */
  readonly calls: Record<LeaseOp, number> = { renew: 0, list: 0, remove: 0 }
  readonly #faults = new FaultRules<LeaseOp, LeaseTarget, LeaseFaultError>({
    matches: (target, op) => target === 'any' || target === op,
    error: (op) => new LeaseFaultError(`injected fault in ${op}`),
    defaultTarget: 'any',
  })

  private readonly table: Map<string, NodeLease>
  readonly caller?: string
  constructor(table: Map<string, NodeLease> = new Map(), caller?: string) {
    this.table = table
    this.caller = caller
  }

  /** Another handle on the same leases, with its own faults and hook (one per node). */
  view(caller: string): MemoryLeaseStore {
    return new MemoryLeaseStore(this.table, caller)
  }

  /** The next `n` matching calls reject with LeaseFaultError; `afterApply`: applied first. */
  failNext(n = 1, target: LeaseTarget = 'any', opts: FailOptions = {}): void {
    this.#faults.failNext(n, target, opts)
  }

  /**
   * Matching calls made from now on hang until the returned function is called: released
   * with an error they reject with it and apply nothing; without, they go on in order.
   */
  stall(target: LeaseTarget = 'any'): (error?: Error) => void {
    return this.#faults.stall(target)
  }

  /** Forget every rule and release every stall of this handle. */
  clear(): void {
    this.#faults.clear()
  }

  renew(lease: LeaseRenewal): Promise<void> {
    return this.#call({ op: 'renew', id: lease.id }, () => {
      const version = (this.table.get(lease.id)?.version ?? 0) + 1
      const proof = lease.proof === undefined ? {} : { proof: lease.proof }
      this.table.set(lease.id, { id: lease.id, address: lease.address, rooms: lease.rooms, version, ...proof })
    })
  }

  list(): Promise<NodeLease[]> {
    return this.#call({ op: 'list' }, () =>
      [...this.table.values()].map((l) => ({ ...l })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    )
  }

  remove(id: string): Promise<void> {
    return this.#call({ op: 'remove', id }, () => void this.table.delete(id))
  }

  async #call<T>(call: Omit<LeaseCall, 'caller'>, run: () => T): Promise<T> {
    this.calls[call.op]++
    const plan = this.#faults.plan(call.op)
    await plan.gate
    await this.hook?.({ ...call, ...(this.caller !== undefined && { caller: this.caller }) })
    if (plan.fail && !plan.afterApply) throw plan.fail
    const result = run()
    if (plan.fail) throw plan.fail
    return result
  }
}
