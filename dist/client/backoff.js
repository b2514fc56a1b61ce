/**
 * Reconnect delays: exponential, capped, and jittered so that the clients of a server that
 * restarts do not all come back in the same instant. Pure: the random source is passed in.
 */
export const defaultBackoff = { initialDelayMs: 250, maxDelayMs: 15_000, factor: 2, jitter: 0.5 };
/** The delay before retry number `attempt` (0 for the first), in [d * (1 - jitter), d]. */
export function backoffDelay(attempt, options, random) {
    const exact = options.initialDelayMs * options.factor ** Math.max(0, attempt);
    const capped = Math.min(options.maxDelayMs, exact);
    return Math.round(capped * (1 - options.jitter * random()));
}
