/**
 * When to tell the server that the user is typing. The server broadcasts at most one
 * `active:true` per user per room every 2 s and expires one not refreshed within 10 s, so
 * the client sends `active:true` at most once per `throttleMs` while input keeps coming (each
 * one refreshes the server's expiry), and `active:false` once input stops for `idleMs` or the
 * message is sent. Pure: times are passed in.
 */
export const defaultTyping = { throttleMs: 2_000, idleMs: 5_000 };
export class TypingThrottle {
    #active = false;
    #lastSent = Number.NEGATIVE_INFINITY;
    #lastInput = 0;
    #options;
    constructor(options) {
        this.#options = options;
    }
    get active() {
        return this.#active;
    }
    /** The user typed at `now`: true when an `active:true` frame should go out now. */
    input(now) {
        this.#lastInput = now;
        if (this.#active && now - this.#lastSent < this.#options.throttleMs)
            return false;
        this.#active = true;
        this.#lastSent = now;
        return true;
    }
    /** When to call `idle` (stop typing if no input came since), or undefined when not typing. */
    idleAt() {
        return this.#active ? this.#lastInput + this.#options.idleMs : undefined;
    }
    /** At `now`, true when an `active:false` frame should go out (idle long enough). */
    idle(now) {
        if (!this.#active || now < this.#lastInput + this.#options.idleMs)
            return false;
        return this.stop();
    }
    /** Typing stopped (sent, or said so): true when an `active:false` frame should go out. */
    stop() {
        if (!this.#active)
            return false;
        this.#active = false;
        this.#lastSent = Number.NEGATIVE_INFINITY;
        return true;
    }
    /** The connection dropped: the server forgot the typing state with it. */
    reset() {
        this.#active = false;
        this.#lastSent = Number.NEGATIVE_INFINITY;
    }
}
