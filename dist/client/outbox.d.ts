/**
 * The sends of one room that have no `ack` yet, in the order the app made them. Each keeps
 * its `id` for life: every (re)send uses it, so the server stores it once whatever happens to
 * the connection. Bounded: past `capacity` a new send is refused. Pure: no I/O, no timers.
 */
export interface PendingSend {
    id: string;
    text: string;
    /** `waiting`: to be (re)sent when the room can take it; `sent`: on the wire, no answer yet. */
    state: 'waiting' | 'sent';
    /** Refusals that asked for a retry (`unavailable`, ...), for the retry's backoff. */
    retries: number;
}
export declare class Outbox {
    #private;
    readonly capacity: number;
    constructor(capacity: number);
    get size(): number;
    get full(): boolean;
    has(id: string): boolean;
    /** Adds a send, waiting. The caller checks `full` first. */
    add(id: string, text: string): PendingSend;
    /** The answer for `id` came (its ack, or a final refusal): forgets it and returns it. */
    settle(id: string): PendingSend | undefined;
    /** The server asked for `id` again later: it waits again, with one more retry counted. */
    retry(id: string): PendingSend | undefined;
    /** The connection dropped: whatever was on the wire may or may not have arrived. */
    unsend(): void;
    /** The waiting sends, oldest first, now marked sent: the caller puts them on the wire. */
    takeWaiting(): PendingSend[];
    /** Every send still unanswered, oldest first, and forgets them all (the room is gone). */
    drain(): PendingSend[];
}
