/**
 * Fault injection for `MemoryStore`: make chosen store calls fail or hang, so tests can prove
 * what the actors do when storage is slow or down (no ack before durable, `unavailable`,
 * retry with the same id). Rules count calls in the order they are made, not the order they
 * finish, so a test's "the 3rd append fails" means the 3rd call.
 */
import type { Store } from '../store.ts'

export type StoreMethod = keyof Store

/** Which calls a rule applies to: one method, every write (the default), or every call. */
export type FaultTarget = StoreMethod | 'write' | 'any'

/** The store calls that change what is stored. */
export const storeWrites: ReadonlySet<StoreMethod> = new Set<StoreMethod>([
  'append',
  'advanceReadMarker',
  'advanceEventsCursor',
  'putRoom',
  'closeRoom',
  'createRoom',
  'createConversation',
  'putRoomMember',
  'deleteRoomMember',
  'putGuildMember',
  'deleteGuildMember',
  'claimRoom',
  'releaseRoom',
])

/** The error an injected failure rejects with, so tests can tell it from a real bug. */
export class StoreFaultError extends Error {
  override name = 'StoreFaultError'
}

export interface FailOptions {
  /**
   * Apply the write, then reject anyway: the ambiguous outcome of a timeout after the storage
   * took the write. Default false: nothing is applied.
   */
  afterApply?: boolean
}

/** How one call should behave, decided when it is made. */
export interface CallPlan<E extends Error = StoreFaultError> {
  /** Resolves when every stall that caught this call is released; rejects if released with an error. */
  gate: Promise<void>
  fail?: E
  afterApply: boolean
}

/** What a fault table needs to know about the calls it governs (store methods, lease operations). */
export interface FaultSpec<M extends string, T extends string, E extends Error> {
  matches(target: T, method: M): boolean
  error(method: M): E
  /** The target of `failNext`, `failCall` and `stall` when none is given. */
  defaultTarget: T
}

interface FailRule<T> {
  target: T
  skip: number
  times: number
  afterApply: boolean
}

interface Stall<T> {
  target: T
  done: Promise<void>
  release: (error?: Error) => void
}

/** Rules and stalls for the calls of one test double; `plan` is asked at the start of each call. */
export class FaultRules<M extends string, T extends string, E extends Error> {
  #rules: FailRule<T>[] = []
  #stalls: Stall<T>[] = []

  private readonly spec: FaultSpec<M, T, E>
  constructor(spec: FaultSpec<M, T, E>) {
    this.spec = spec
  }

  /** The next `n` matching calls reject with the spec's error. */
  failNext(n = 1, target: T = this.spec.defaultTarget, opts: FailOptions = {}): void {
    this.#rules.push({ target, skip: 0, times: n, afterApply: opts.afterApply ?? false })
  }

  /** Only the `nth` matching call from now (1 = the next one) rejects. */
  failCall(nth: number, target: T = this.spec.defaultTarget, opts: FailOptions = {}): void {
    this.#rules.push({ target, skip: nth - 1, times: 1, afterApply: opts.afterApply ?? false })
  }

  /**
   * Matching calls made from now on hang until the returned function is called. Released
   * with an error, they reject with it and apply nothing (a write that timed out); released
   * without, they go on in the order they were made.
   */
  stall(target: T = this.spec.defaultTarget): (error?: Error) => void {
    let settle!: (error?: Error) => void
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error ? reject(error) : resolve())
    })
    // A stall released with an error before any call waited on it must not be "unhandled".
    done.catch(() => {})
    const stall: Stall<T> = {
      target,
      done,
      release: (error) => {
        this.#stalls = this.#stalls.filter((s) => s !== stall)
        settle(error)
      },
    }
    this.#stalls.push(stall)
    return stall.release
  }

  /** Forget every rule and release every stall. */
  clear(): void {
    this.#rules = []
    for (const s of [...this.#stalls]) s.release()
  }

  /** Called by the double at the start of every call. */
  plan(method: M): CallPlan<E> {
    let fail: E | undefined
    let afterApply = false
    for (const rule of this.#rules) {
      if (!this.spec.matches(rule.target, method)) continue
      if (rule.skip > 0) {
        rule.skip--
      } else if (rule.times > 0) {
        rule.times--
        fail ??= this.spec.error(method)
        afterApply ||= rule.afterApply
      }
    }
    this.#rules = this.#rules.filter((r) => r.times > 0)
    const gate = Promise.all(this.#stalls.filter((s) => this.spec.matches(s.target, method)).map((s) => s.done))
    return { gate: gate.then(() => {}), fail, afterApply }
  }
}

/** MemoryStore's faults: targets are a method, every write (the default), or every call. */
export class Faults extends FaultRules<StoreMethod, FaultTarget, StoreFaultError> {
  constructor() {
    super({
      matches: (target, method) =>
        target === 'any' || target === method || (target === 'write' && storeWrites.has(method)),
      error: (method) => new StoreFaultError(`injected fault in ${method}`),
      defaultTarget: 'write',
    })
  }
}
