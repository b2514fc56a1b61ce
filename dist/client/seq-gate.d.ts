/**
 * Once and in order: the last seq delivered in one room, and what to do with the next
 * message the server sends. The server sends a room's messages in seq order, but replays
 * after a reconnect may repeat what was already delivered; those are dropped. Pure.
 */
export type SeqVerdict = 'deliver' | 'duplicate' | 'gap';
export declare class SeqGate {
    #private;
    constructor(last?: number);
    /** The last seq delivered: what a re-join asks to resume from (`since`). */
    get last(): number;
    /**
     * `duplicate` for a seq at or below the last one (drop it); `gap` when seqs were skipped
     * (deliver it, but the ones between are missing: page history); else `deliver`.
     */
    accept(seq: number): SeqVerdict;
    /** Starts again from `seq` (the room is behind what was delivered: its history was lost). */
    reset(seq: number): void;
    /** Moves on without delivering (a welcome that could not recover: the rest is history). */
    skipTo(seq: number): void;
}
