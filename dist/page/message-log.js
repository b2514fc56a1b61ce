import { el } from "./dom.js";
/** How close to the bottom (px) still counts as "reading the newest": new messages keep it there. */
const STICK_TO_BOTTOM_PX = 48;
/** Where `seq` goes in ascending `sorted` (the index of the first larger one). */
export function insertionIndex(sorted, seq) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid] < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
/** Each reader's marker drawn under the newest message shown at or below it: seq → readers. */
export function seenAt(reads, shown, me) {
    const at = new Map();
    for (const [user, seq] of [...reads].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        if (user === me)
            continue;
        const i = insertionIndex(shown, seq + 1) - 1;
        if (i < 0)
            continue;
        const target = shown[i];
        at.set(target, [...(at.get(target) ?? []), user]);
    }
    return at;
}
export class MessageLog {
    #log;
    #t;
    #time;
    #me;
    #seqs = [];
    #nodes = new Map();
    #divider;
    #newFrom;
    constructor(log, t, lang, me) {
        this.#log = log;
        this.#t = t;
        this.#me = me;
        this.#time = new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' });
    }
    get oldest() {
        return this.#seqs[0];
    }
    get newest() {
        return this.#seqs.at(-1);
    }
    get size() {
        return this.#seqs.length;
    }
    has(seq) {
        return this.#nodes.has(seq);
    }
    clear() {
        this.#log.replaceChildren();
        this.#seqs = [];
        this.#nodes.clear();
        this.#divider = undefined;
        this.#newFrom = undefined;
    }
    /** The "New messages" line goes above the first message after `lastRead` (not one of mine). */
    markNewAfter(lastRead) {
        this.#newFrom = lastRead;
        this.#placeDivider();
    }
    /**
     * Adds messages (any order, duplicates ignored). Older ones added above keep the view where
     * it was; new ones at the bottom keep a reader who was at the bottom there.
     */
    add(messages) {
        const fresh = messages.filter((m) => !this.#nodes.has(m.seq));
        if (fresh.length === 0)
            return;
        const fromBottom = this.#log.scrollHeight - this.#log.scrollTop;
        const atBottom = fromBottom - this.#log.clientHeight <= STICK_TO_BOTTOM_PX;
        const newest = this.newest;
        let above = false;
        for (const m of fresh) {
            if (this.#nodes.has(m.seq))
                continue;
            const i = insertionIndex(this.#seqs, m.seq);
            const next = this.#seqs[i];
            const node = this.#render(m);
            this.#log.insertBefore(node, next === undefined ? null : this.#nodes.get(next));
            this.#seqs.splice(i, 0, m.seq);
            this.#nodes.set(m.seq, node);
            if (newest !== undefined && m.seq < newest)
                above = true;
        }
        this.#placeDivider();
        if (above && !atBottom)
            this.#log.scrollTop = this.#log.scrollHeight - fromBottom;
        else if (atBottom)
            this.#log.scrollTop = this.#log.scrollHeight;
    }
    /** Draws every other reader's marker ("Seen by bob") under the newest message they have read. */
    showSeen(reads) {
        for (const node of Array.from(this.#log.querySelectorAll('.seen')))
            node.remove();
        for (const [seq, users] of seenAt(reads, this.#seqs, this.#me)) {
            this.#nodes.get(seq)?.append(el('p', { class: 'seen' }, this.#t('seenBy', { users: users.join(', ') })));
        }
    }
    scrollToBottom() {
        this.#log.scrollTop = this.#log.scrollHeight;
    }
    #render(m) {
        const mine = m.senderId === this.#me;
        const sender = mine ? this.#t('you', { user: m.senderId }) : m.senderId;
        const when = new Date(m.ts);
        return el('div', { class: mine ? 'msg mine' : 'msg', 'data-seq': String(m.seq) }, el('p', { class: 'meta' }, el('span', { class: 'sender' }, sender), ' ', el('time', { datetime: when.toISOString() }, this.#time.format(when))), el('p', { class: 'text' }, m.text));
    }
    #placeDivider() {
        const first = this.#newFrom === undefined ? undefined : this.#seqs[insertionIndex(this.#seqs, this.#newFrom + 1)];
        const node = first === undefined ? undefined : this.#nodes.get(first);
        const target = node && !node.classList.contains('mine') ? node : undefined;
        // Left alone when it is already in place: moving it would have it read out again.
        if (target && this.#divider?.nextSibling === target)
            return;
        this.#divider?.remove();
        this.#divider = undefined;
        if (!target)
            return;
        this.#divider = el('p', { class: 'divider' }, this.#t('newMessages'));
        this.#log.insertBefore(this.#divider, target);
    }
}
