/**
 * When to tell the server that the user is typing. The server broadcasts at most one
 * `active:true` per user per room every 2 s and expires one not refreshed within 10 s, so
 * the client sends `active:true` at most once per `throttleMs` while input keeps coming (each
 * one refreshes the server's expiry), and `active:false` once input stops for `idleMs` or the
 * message is sent. Pure: times are passed in.
 */
export interface TypingOptions {
    /** At most one `active:true` frame per this many ms (the contract's broadcast throttle). */
    throttleMs: number;
    /** After this long without input, `active:false` is sent. Below the server's 10 s expiry. */
    idleMs: number;
}
export declare const defaultTyping: TypingOptions;
export declare class TypingThrottle {
    #private;
    constructor(options: TypingOptions);
    get active(): boolean;
    /** The user typed at `now`: true when an `active:true` frame should go out now. */
    input(now: number): boolean;
    /** When to call `idle` (stop typing if no input came since), or undefined when not typing. */
    idleAt(): number | undefined;
    /** At `now`, true when an `active:false` frame should go out (idle long enough). */
    idle(now: number): boolean;
    /** Typing stopped (sent, or said so): true when an `active:false` frame should go out. */
    stop(): boolean;
    /** The connection dropped: the server forgot the typing state with it. */
    reset(): void;
}
