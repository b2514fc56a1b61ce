/**
 * A small typed event emitter that runs in browsers, Deno and Node alike. A listener that
 * throws does not stop the others; its error is reported afterwards, as EventTarget does.
 */
type Listener<T> = (value: T) => void;
export declare class Emitter<Events> {
    #private;
    /** Adds a listener; returns the function that removes it. */
    on<K extends keyof Events>(type: K, listener: Listener<Events[K]>): () => void;
    off<K extends keyof Events>(type: K, listener: Listener<Events[K]>): void;
    /** Resolves with the next event of `type`. */
    once<K extends keyof Events>(type: K): Promise<Events[K]>;
    protected emit<K extends keyof Events>(type: K, value: Events[K]): void;
}
export {};
