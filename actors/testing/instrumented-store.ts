/**
 * Wraps any Store so the harness can make its calls fail or stall (`Faults`) and can tell
 * when every call the host made has finished, or is held by a stall on purpose.
 */
import type { Store } from '../store.ts'
import { Faults, type StoreMethod } from './faults.ts'

export class InstrumentedStore {
  readonly faults = new Faults()
  /** Calls started and not yet finished. */
  inflight = 0
  /** Of those, calls waiting at a stall. */
  held = 0
  readonly store: Store

  readonly inner: Store
  constructor(inner: Store) {
    this.inner = inner
    const methods = new Set<string>()
    for (let o: object | null = inner; o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const name of Object.getOwnPropertyNames(o)) if (name !== 'constructor') methods.add(name)
    }
    const wrapped: Record<string, unknown> = {}
    for (const name of methods) {
      const fn = (inner as unknown as Record<string, unknown>)[name]
      if (typeof fn !== 'function') continue
      wrapped[name] = (...args: unknown[]) =>
        this.call(name as StoreMethod, () => fn.apply(inner, args) as Promise<unknown>)
    }
    if (inner.maxBatchSize !== undefined) wrapped.maxBatchSize = inner.maxBatchSize
    this.store = wrapped as unknown as Store
  }

  private async call<T>(method: StoreMethod, run: () => Promise<T>): Promise<T> {
    const plan = this.faults.plan(method)
    this.inflight++
    let held = false
    try {
      // Every call waits at its gate: settled at once unless a stall caught the call.
      let passed = false
      const gate = plan.gate.then(() => {
        passed = true
      })
      await Promise.resolve()
      if (!passed) {
        held = true
        this.held++
      }
      await gate.finally(() => {
        if (held) {
          held = false
          this.held--
        }
      })
      if (plan.fail && !plan.afterApply) throw plan.fail
      const result = await run()
      if (plan.fail) throw plan.fail
      return result
    } finally {
      this.inflight--
    }
  }
}
