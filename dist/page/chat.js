/**
 * The signed-in page: one client (`guildhall/client`, one WebSocket for every room), the
 * rooms list with live unread counts, and the open room (history, send, typing, presence,
 * read markers). The client does the hard part (reconnect, resend with the same id, each
 * seq once and in order); this file only shows it.
 *
 * Up to `LIVE_ROOMS_MAX` rooms of the list are joined on the connection so their unread
 * counts move as messages arrive; the others are counted from GET /me/rooms, fetched again
 * after every reconnect and every `ROOMS_REFRESH_MS`.
 */
import { GuildhallClient } from "../client/index.js";
import { Composer } from "./composer.js";
import { byId, el } from "./dom.js";
import { MessageLog } from "./message-log.js";
import { RoomsList, roomName } from "./rooms-list.js";
import { forgetRoom, hashFor, isRoomId, rememberedRooms, rememberRoom } from "./session.js";
import { errorText, statusText } from "./words.js";
/** Rooms of the list kept joined for live unread counts (the server's join burst is 20). */
export const LIVE_ROOMS_MAX = 10;
/** How often the rooms list is fetched again (rooms added elsewhere, new conversations). */
export const ROOMS_REFRESH_MS = 30_000;
/** Messages per history page (the server's default page). */
export const HISTORY_PAGE = 50;
/** Scrolled this close to the top (px), the log fetches the previous page by itself. */
const LOAD_OLDER_AT_PX = 24;
export class Chat {
    #o;
    #client;
    #entries = new Map();
    #tracked = new Set();
    #list;
    #log;
    #stop = [];
    #composer;
    #current;
    /** Bumped at each open: answers for a room no longer open are dropped. */
    #opening = 0;
    #more = true;
    #loadingOlder = false;
    #closed = false;
    #wasOpen = false;
    constructor(options) {
        this.#o = options;
        const { t, me } = options;
        this.#client = new GuildhallClient({ url: location.origin, token: options.token });
        this.#list = new RoomsList({
            list: byId('rooms'),
            empty: byId('no-rooms'),
            t,
            me,
            onOpen: (room) => void this.open(room, { focus: true }),
        });
        this.#log = new MessageLog(byId('log'), t, options.lang, me);
        const status = byId('connection');
        this.#stop.push(this.#client.on('status', (s) => {
            status.textContent = statusText(s, t);
            status.dataset.state = s.status;
            if (s.status === 'unauthorized')
                this.#signedOut();
            // Back after a drop: rooms may have moved on meanwhile (the first open has start's fetch).
            if (s.status === 'open' && this.#wasOpen)
                void this.refreshRooms();
            if (s.status === 'open')
                this.#wasOpen = true;
        }), this.#client.on('error', (err) => {
            if (err.code !== 'unauthorized')
                this.#o.onError(errorText(err, t));
        }));
        this.#wireForms();
        const composer = new Composer({ room: () => this.#current, t, onError: options.onError });
        this.#composer = composer;
        this.#stop.push(() => composer.stop());
        for (const room of rememberedRooms(localStorage, me))
            this.#entry(room);
        const timer = setInterval(() => void this.refreshRooms(), ROOMS_REFRESH_MS);
        this.#stop.push(() => clearInterval(timer));
        const onVisible = () => this.#markRead();
        document.addEventListener('visibilitychange', onVisible);
        this.#stop.push(() => document.removeEventListener('visibilitychange', onVisible));
        this.#renderRooms();
    }
    /** Connects and lists the rooms; opens `room` if given. */
    async start(room) {
        this.#client.connect();
        if (room)
            await this.open(room, { focus: true });
        else
            byId('room-id').focus();
        await this.refreshRooms();
    }
    close() {
        if (this.#closed)
            return;
        this.#closed = true;
        for (const stop of this.#stop)
            stop();
        this.#client.close();
        this.#log.clear();
    }
    /** GET /me/rooms (first page): counts and order for every room the user has. */
    async refreshRooms() {
        let rooms;
        try {
            rooms = (await this.#client.http.myRooms({ limit: 100 })).rooms;
        }
        catch (err) {
            const e = err;
            // A server without GET /me/rooms (404): the list is the rooms opened on this page.
            if (e.code === 'not_found' || this.#closed)
                return;
            if (e.code === 'unauthorized')
                return this.#signedOut();
            return this.#o.onError(this.#o.t('errorRoomsUnavailable', { reason: errorText(err, this.#o.t) }));
        }
        if (this.#closed)
            return;
        for (const r of rooms) {
            const entry = this.#entry(r.room);
            entry.kind = r.kind;
            if (r.members)
                entry.members = r.members;
            // A joined room knows better (it is live); the list's numbers fill in the others.
            if (!this.#tracked.has(r.room)) {
                entry.seq = Math.max(entry.seq, r.seq);
                entry.lastRead = Math.max(entry.lastRead, r.lastRead);
            }
            if (r.lastMessage)
                entry.lastTs = Math.max(entry.lastTs ?? 0, r.lastMessage.ts);
        }
        for (const r of rooms.slice(0, LIVE_ROOMS_MAX))
            this.#track(r.room);
        this.#renderRooms();
        // A conversation opened before the list came is named by its members now.
        if (this.#current)
            this.#renderHeading(this.#current.id);
    }
    /** Opens `room`: joins it, shows its newest history, and (with `focus`) puts the focus in the message box. */
    async open(room, { focus }) {
        const t = this.#o.t;
        if (!isRoomId(room)) {
            this.#o.onError(t('errorInvalidRoom'));
            return this.#invalidRoom();
        }
        if (this.#current?.id === room && this.#current.state !== 'left') {
            if (focus)
                byId('message').focus();
            return;
        }
        const opening = ++this.#opening;
        this.#current?.stopTyping();
        const joined = this.#track(room);
        this.#current = joined;
        this.#showRoom(room);
        try {
            await joined.ready;
        }
        catch (err) {
            if (opening !== this.#opening)
                return;
            this.#o.onError(errorText(err, t, room));
            this.#forget(room);
            this.#showRoom(undefined);
            return this.#invalidRoom();
        }
        if (opening !== this.#opening)
            return;
        rememberRoom(localStorage, this.#o.me, room);
        this.#log.markNewAfter(joined.lastRead);
        this.#renderPresence();
        this.#renderTyping();
        if (focus)
            byId('message').focus();
        await this.#loadOlder(opening);
        if (opening === this.#opening) {
            this.#log.scrollToBottom();
            this.#markRead();
        }
    }
    // ---- the rooms ----
    #entry(room) {
        let entry = this.#entries.get(room);
        if (!entry) {
            entry = { room, seq: 0, lastRead: 0 };
            this.#entries.set(room, entry);
        }
        return entry;
    }
    /** Joins `room` on the connection (once) and follows it: counts, and the view when it is open. */
    #track(room) {
        const joined = this.#client.join(room);
        if (this.#tracked.has(room))
            return joined;
        this.#tracked.add(room);
        const entry = this.#entry(room);
        const isOpen = () => this.#current === joined;
        joined.on('welcome', (w) => {
            entry.seq = Math.max(entry.seq, w.seq);
            entry.lastRead = Math.max(entry.lastRead, w.lastRead);
            this.#renderRooms();
            if (isOpen()) {
                this.#renderPresence();
                this.#renderTyping();
            }
        });
        joined.on('message', (m) => {
            entry.seq = Math.max(entry.seq, m.seq);
            entry.lastTs = Math.max(entry.lastTs ?? 0, m.ts);
            if (isOpen()) {
                this.#log.add([m]);
                this.#log.showSeen(joined.reads);
                this.#renderTyping();
                this.#markRead();
            }
            this.#renderRooms();
        });
        joined.on('gap', (gap) => {
            if (isOpen())
                void this.#fillGap(joined, gap.after, gap.through);
        });
        joined.on('typing', () => isOpen() && this.#renderTyping());
        joined.on('presence', () => isOpen() && this.#renderPresence());
        joined.on('read', (r) => {
            if (r.userId === this.#o.me) {
                entry.lastRead = Math.max(entry.lastRead, r.seq);
                this.#renderRooms();
            }
            else if (isOpen())
                this.#log.showSeen(joined.reads);
        });
        // A refused join is told by open() (or, for a room joined for its count, not at all).
        joined.on('error', (err) => isOpen() && joined.state === 'joined' && this.#o.onError(errorText(err, this.#o.t, room)));
        joined.on('left', ({ reason }) => {
            this.#tracked.delete(room);
            if (reason === 'revoked') {
                this.#o.onError(this.#o.t('errorRevoked', { room }));
                this.#forget(room);
            }
            if (isOpen() && reason !== 'leave') {
                this.#current = undefined;
                this.#showRoom(undefined);
            }
        });
        return joined;
    }
    #forget(room) {
        this.#entries.delete(room);
        forgetRoom(localStorage, this.#o.me, room);
        this.#renderRooms();
    }
    #renderRooms() {
        this.#list.render(this.#entries.values(), this.#current?.id);
    }
    // ---- the open room ----
    #showRoom(room) {
        this.#renderHeading(room);
        byId('room-view').hidden = room === undefined;
        byId('no-room').hidden = room !== undefined;
        byId('skip').hidden = room === undefined;
        this.#log.clear();
        this.#composer.clear();
        byId('presence').replaceChildren();
        byId('typing').textContent = '';
        this.#more = true;
        this.#showMore();
        history.replaceState(history.state, '', room === undefined ? location.pathname + location.search : hashFor(room));
        this.#renderRooms();
    }
    #renderHeading(room) {
        const entry = room === undefined ? undefined : this.#entries.get(room);
        const name = entry ? roomName(entry, this.#o.me) : '';
        byId('room-heading').textContent = name;
        // The window (tab) title names the open room, for orientation and the tab strip.
        document.title = name ? `${name} · ${this.#o.t('title')}` : this.#o.t('title');
    }
    /** The previous page of history above the oldest message shown (the newest page when none is). */
    async #loadOlder(opening = this.#opening) {
        const room = this.#current;
        if (!room || !this.#more || this.#loadingOlder)
            return;
        this.#loadingOlder = true;
        const log = byId('log');
        const button = byId('older');
        button.textContent = this.#o.t('loadingOlder');
        // A live region announces additions: a page of old messages is not news.
        log.setAttribute('aria-busy', 'true');
        try {
            const oldest = this.#log.oldest;
            const page = await room.history(oldest === undefined ? { limit: HISTORY_PAGE } : { before: oldest, limit: HISTORY_PAGE });
            if (opening !== this.#opening)
                return;
            this.#log.add(page.messages);
            this.#log.showSeen(room.reads);
            this.#more = page.more;
        }
        catch (err) {
            if (opening === this.#opening)
                this.#o.onError(errorText(err, this.#o.t, room.id));
        }
        finally {
            log.removeAttribute('aria-busy');
            this.#loadingOlder = false;
            button.textContent = this.#o.t('loadOlder');
            if (opening === this.#opening)
                this.#showMore();
        }
    }
    /** Messages the client says were missed (too far behind to be replayed): fetched from history. */
    async #fillGap(room, after, through) {
        let from = after;
        while (from < through && this.#current === room) {
            let page;
            try {
                page = await room.history({ after: from, limit: HISTORY_PAGE });
            }
            catch (err) {
                return this.#o.onError(errorText(err, this.#o.t, room.id));
            }
            if (this.#current !== room)
                return;
            this.#log.add(page.messages.filter((m) => m.seq <= through));
            const last = page.messages.at(-1)?.seq;
            if (!page.more || last === undefined)
                break;
            from = last;
        }
        this.#log.showSeen(room.reads);
    }
    #showMore() {
        byId('older').hidden = !this.#more;
        byId('beginning').hidden = this.#more || this.#current === undefined;
    }
    #renderPresence() {
        const room = this.#current;
        if (!room)
            return;
        const t = this.#o.t;
        const users = [...room.presence].sort();
        byId('presence').replaceChildren(...users.map((u) => el('li', {}, u === this.#o.me ? t('you', { user: u }) : u)));
    }
    #renderTyping() {
        const room = this.#current;
        const t = this.#o.t;
        const users = room ? [...room.typingUsers].filter((u) => u !== this.#o.me).sort() : [];
        const [a, b] = users;
        byId('typing').textContent =
            a === undefined
                ? ''
                : b === undefined
                    ? t('typingOne', { a })
                    : users.length === 2
                        ? t('typingTwo', { a, b })
                        : t('typingMany');
    }
    /** The open room is read up to its newest message while the page is visible. */
    #markRead() {
        const room = this.#current;
        if (room?.state !== 'joined' || document.visibilityState !== 'visible')
            return;
        const newest = Math.max(room.seq, this.#log.newest ?? 0);
        if (newest <= 0)
            return;
        room.markRead(newest);
        const entry = this.#entries.get(room.id);
        if (entry && entry.lastRead < newest) {
            entry.lastRead = newest;
            this.#renderRooms();
        }
    }
    // ---- forms ----
    #wireForms() {
        const roomField = byId('room-id');
        const joinForm = byId('join-form');
        const older = byId('older');
        const log = byId('log');
        const onJoin = (e) => {
            e.preventDefault();
            const room = roomField.value.trim();
            roomField.removeAttribute('aria-invalid');
            if (room === '')
                return roomField.focus();
            void this.open(room, { focus: true }).then(() => {
                if (this.#current?.id === room)
                    roomField.value = '';
            });
        };
        const onOlder = () => void this.#loadOlder();
        const onScroll = () => {
            if (log.scrollTop <= LOAD_OLDER_AT_PX && this.#log.size > 0)
                void this.#loadOlder();
        };
        joinForm.addEventListener('submit', onJoin);
        older.addEventListener('click', onOlder);
        log.addEventListener('scroll', onScroll);
        this.#stop.push(() => {
            joinForm.removeEventListener('submit', onJoin);
            older.removeEventListener('click', onOlder);
            log.removeEventListener('scroll', onScroll);
        });
    }
    #invalidRoom() {
        const field = byId('room-id');
        field.setAttribute('aria-invalid', 'true');
        field.focus();
    }
    #signedOut() {
        if (this.#closed)
            return;
        this.close();
        this.#o.onSignedOut();
    }
}
