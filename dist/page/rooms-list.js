/**
 * "My rooms": every room the user has (GET /me/rooms, and the rooms opened on this page),
 * newest activity first, each a button named with its unread count ("lobby 3 unread").
 * Updated in place, so a button that has the keyboard focus keeps it.
 */
import { el } from "./dom.js";
export function unreadOf(entry) {
    return Math.max(0, entry.seq - entry.lastRead);
}
/** What the list calls a room: a conversation by its other members, a guild room by its guild. */
export function roomName(entry, me) {
    if (entry.kind === 'conversation' && entry.members) {
        const others = entry.members.filter((m) => m !== me);
        if (others.length > 0)
            return others.join(', ');
    }
    return entry.room;
}
/** Newest activity first; rooms without messages after, by id. */
export function sortRooms(entries) {
    return [...entries].sort((a, b) => (b.lastTs ?? 0) - (a.lastTs ?? 0) || (a.room < b.room ? -1 : a.room > b.room ? 1 : 0));
}
export class RoomsList {
    #list;
    #empty;
    #t;
    #me;
    #onOpen;
    #items = new Map();
    constructor(opts) {
        this.#list = opts.list;
        this.#empty = opts.empty;
        this.#t = opts.t;
        this.#me = opts.me;
        this.#onOpen = opts.onOpen;
    }
    render(entries, current) {
        const sorted = sortRooms(entries);
        const keep = new Set(sorted.map((e) => e.room));
        for (const [room, item] of this.#items) {
            if (!keep.has(room)) {
                item.li.remove();
                this.#items.delete(room);
            }
        }
        const focused = document.activeElement;
        sorted.forEach((entry, i) => {
            const item = this.#items.get(entry.room) ?? this.#create(entry.room);
            this.#fill(item.button, entry, entry.room === current);
            // Moved only when out of place: moving a node takes the focus off it (restored below).
            if (this.#list.children[i] !== item.li)
                this.#list.insertBefore(item.li, this.#list.children[i] ?? null);
        });
        if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected)
            focused.focus();
        this.#empty.hidden = sorted.length > 0;
    }
    #create(room) {
        const button = el('button', { type: 'button', class: 'room-button' });
        button.addEventListener('click', () => this.#onOpen(room));
        const item = { li: el('li', {}, button), button };
        this.#items.set(room, item);
        return item;
    }
    #fill(button, entry, current) {
        const unread = unreadOf(entry);
        const parts = [el('span', { class: 'room-name' }, roomName(entry, this.#me))];
        if (unread > 0)
            parts.push(' ', el('span', { class: 'badge' }, this.#t('unread', { count: unread })));
        button.replaceChildren(...parts);
        if (current)
            button.setAttribute('aria-current', 'true');
        else
            button.removeAttribute('aria-current');
    }
}
