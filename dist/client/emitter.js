/**
 * A small typed event emitter that runs in browsers, Deno and Node alike. A listener that
 * throws does not stop the others; its error is reported afterwards, as EventTarget does.
 */
export class Emitter {
    #listeners = new Map();
    /** Adds a listener; returns the function that removes it. */
    on(type, listener) {
        let set = this.#listeners.get(type);
        if (!set) {
            set = new Set();
            this.#listeners.set(type, set);
        }
        set.add(listener);
        return () => this.off(type, listener);
    }
    off(type, listener) {
        this.#listeners.get(type)?.delete(listener);
    }
    /** Resolves with the next event of `type`. */
    once(type) {
        return new Promise((resolve) => {
            const off = this.on(type, (value) => {
                off();
                resolve(value);
            });
        });
    }
    emit(type, value) {
        const set = this.#listeners.get(type);
        if (!set)
            return;
        for (const listener of [...set]) {
            try {
                ;
                listener(value);
            }
            catch (err) {
                report(err);
            }
        }
    }
}
function report(err) {
    const g = globalThis;
    if (typeof g.reportError === 'function')
        g.reportError(err);
    else
        setTimeout(() => {
            throw err;
        }, 0);
}
