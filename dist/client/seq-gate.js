/**
 * Once and in order: the last seq delivered in one room, and what to do with the next
 * message the server sends. The server sends a room's messages in seq order, but replays
 * after a reconnect may repeat what was already delivered; those are dropped. Pure.
 */
export class SeqGate {
    #last;
    constructor(last = 0) {
        this.#last = last;
    }
    /** The last seq delivered: what a re-join asks to resume from (`since`). */
    get last() {
        return this.#last;
    }
    /**
     * `duplicate` for a seq at or below the last one (drop it); `gap` when seqs were skipped
     * (deliver it, but the ones between are missing: page history); else `deliver`.
     */
    accept(seq) {
        if (seq <= this.#last)
            return 'duplicate';
        const verdict = seq === this.#last + 1 ? 'deliver' : 'gap';
        this.#last = seq;
        return verdict;
    }
    /** Starts again from `seq` (the room is behind what was delivered: its history was lost). */
    reset(seq) {
        this.#last = seq;
    }
    /** Moves on without delivering (a welcome that could not recover: the rest is history). */
    skipTo(seq) {
        if (seq > this.#last)
            this.#last = seq;
    }
}
