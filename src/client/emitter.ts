/**
 * A small typed event emitter that runs in browsers, Deno and Node alike. A listener that
 * throws does not stop the others; its error is reported afterwards, as EventTarget does.
 */

type Listener<T> = (value: T) => void

export class Emitter<Events> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>()

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(type)
    if (!set) {
      set = new Set()
      this.#listeners.set(type, set)
    }
    set.add(listener as Listener<never>)
    return () => this.off(type, listener)
  }

  off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(type)?.delete(listener as Listener<never>)
  }

  /** Resolves with the next event of `type`. */
  once<K extends keyof Events>(type: K): Promise<Events[K]> {
    return new Promise((resolve) => {
      const off = this.on(type, (value) => {
        off()
        resolve(value)
      })
    })
  }

  protected emit<K extends keyof Events>(type: K, value: Events[K]): void {
    const set = this.#listeners.get(type)
    if (!set) return
    for (const listener of [...set]) {
      try {
        ;(listener as Listener<Events[K]>)(value)
      } catch (err) {
        report(err)
      }
    }
  }
}

function report(err: unknown): void {
  const g = globalThis as { reportError?: (e: unknown) => void }
  if (typeof g.reportError === 'function') g.reportError(err)
  else
    setTimeout(() => {
      throw err
    }, 0)
}
