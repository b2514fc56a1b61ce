/**
 * The sends of one room that have no `ack` yet, in the order the app made them. Each keeps
 * its `id` for life: every (re)send uses it, so the server stores it once whatever happens to
 * the connection. Bounded: past `capacity` a new send is refused. Pure: no I/O, no timers.
 */
export class Outbox {
    #entries = new Map();
    capacity;
    constructor(capacity) {
        this.capacity = capacity;
    }
    get size() {
        return this.#entries.size;
    }
    get full() {
        return this.#entries.size >= this.capacity;
    }
    has(id) {
        return this.#entries.has(id);
    }
    /** Adds a send, waiting. The caller checks `full` first. */
    add(id, text) {
        const entry = { id, text, state: 'waiting', retries: 0 };
        this.#entries.set(id, entry);
        return entry;
    }
    /** The answer for `id` came (its ack, or a final refusal): forgets it and returns it. */
    settle(id) {
        const entry = this.#entries.get(id);
        if (entry)
            this.#entries.delete(id);
        return entry;
    }
    /** The server asked for `id` again later: it waits again, with one more retry counted. */
    retry(id) {
        const entry = this.#entries.get(id);
        if (!entry)
            return undefined;
        entry.state = 'waiting';
        entry.retries++;
        return entry;
    }
    /** The connection dropped: whatever was on the wire may or may not have arrived. */
    unsend() {
        for (const entry of this.#entries.values())
            entry.state = 'waiting';
    }
    /** The waiting sends, oldest first, now marked sent: the caller puts them on the wire. */
    takeWaiting() {
        const out = [];
        for (const entry of this.#entries.values()) {
            if (entry.state !== 'waiting')
                continue;
            entry.state = 'sent';
            out.push(entry);
        }
        return out;
    }
    /** Every send still unanswered, oldest first, and forgets them all (the room is gone). */
    drain() {
        const out = [...this.#entries.values()];
        this.#entries.clear();
        return out;
    }
}
