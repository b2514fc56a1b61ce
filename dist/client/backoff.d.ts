/**
 * Reconnect delays: exponential, capped, and jittered so that the clients of a server that
 * restarts do not all come back in the same instant. Pure: the random source is passed in.
 */
export interface BackoffOptions {
    /** Delay before the first retry. */
    initialDelayMs: number;
    /** No delay grows past this. */
    maxDelayMs: number;
    /** Each failed attempt multiplies the delay by this. */
    factor: number;
    /** Fraction of the delay drawn at random (0: none, 1: anywhere from 0 to the delay). */
    jitter: number;
}
export declare const defaultBackoff: BackoffOptions;
/** The delay before retry number `attempt` (0 for the first), in [d * (1 - jitter), d]. */
export declare function backoffDelay(attempt: number, options: BackoffOptions, random: () => number): number;
