/**
 * The client: one WebSocket (`/ws`) for every room joined, reconnected with jittered
 * exponential backoff whenever it drops. On each (re)connect every room is joined again with
 * `since` = the last seq it delivered, and its unacknowledged sends go out again with their
 * original ids once it is welcomed, so nothing is lost and nothing is stored or delivered
 * twice. A token refused (close 4401, or an upgrade refused with 401) stops reconnecting
 * until `refreshToken` (or `setToken`) gives a new one.
 */
import { backoffDelay, defaultBackoff } from "./backoff.js";
import { Emitter } from "./emitter.js";
import { clientError } from "./errors.js";
import { HttpApi, joinUrl } from "./http.js";
import { randomId } from "./ids.js";
import { Room } from "./room.js";
import { tokenExpiry } from "./token.js";
import { defaultTyping } from "./typing-throttle.js";
const systemClock = {
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle),
};
export class GuildhallClient extends Emitter {
    /** HTTP helpers: history, my rooms, conversations, devices, read markers, posting. */
    http;
    status = 'idle';
    #url;
    #token;
    #options;
    #backoff;
    #typing;
    #clock;
    #random;
    #rooms = new Map();
    /** Each peer's conversation room, once known (a pair's room never changes). */
    #conversations = new Map();
    #link;
    #socket;
    #open = false;
    #attempt = 0;
    #lastHeard = 0;
    #reconnectTimer;
    #heartbeatTimer;
    #refreshing;
    constructor(options) {
        super();
        this.#options = options;
        this.#url = options.url;
        this.#token = options.token;
        this.#backoff = { ...defaultBackoff, ...options.backoff };
        this.#typing = { ...defaultTyping, ...options.typing };
        this.#clock = options.clock ?? systemClock;
        this.#random = options.random ?? Math.random;
        this.http = new HttpApi({
            url: options.url,
            token: () => this.#token,
            refreshToken: async () => ((await this.#askForToken()) ? this.#token : undefined),
            fetch: options.fetch,
        });
        const clock = this.#clock;
        this.#link = {
            connected: () => this.#open,
            transmit: (frame) => this.#transmit(frame),
            now: () => clock.now(),
            setTimer: (fn, ms) => {
                const handle = clock.setTimeout(fn, ms);
                return () => clock.clearTimeout(handle);
            },
            backoff: (attempt) => backoffDelay(attempt, this.#backoff, this.#random),
            newId: options.newId ?? randomId,
            history: (room, query) => this.http.history(room, query),
            forget: (room) => {
                if (this.#rooms.get(room.id) === room)
                    this.#rooms.delete(room.id);
            },
        };
    }
    /** The token in use. */
    get token() {
        return this.#token;
    }
    /** Joins `room` (or returns it if joined): await `room.ready` for its first welcome. */
    join(room, options = {}) {
        if (this.status === 'closed')
            throw clientError('closed', 'the client is closed');
        const existing = this.#rooms.get(room);
        if (existing)
            return existing;
        const r = new Room(room, this.#link, {
            since: options.since,
            maxUnackedSends: this.#options.maxUnackedSends ?? 100,
            typing: this.#typing,
        });
        this.#rooms.set(room, r);
        if (this.#open)
            this.#transmit(r.joinFrame());
        else
            this.connect();
        return r;
    }
    /**
     * Sends `text` to `userId` in the pair's conversation, made if needed: the conversation is
     * found over HTTP (`POST /conversations`, once per peer), joined, and the text sent there
     * with every guarantee of `send`. Resolves with the ack (its `room` is the conversation).
     */
    async dm(userId, text) {
        let room = this.#conversations.get(userId);
        if (room === undefined) {
            room = (await this.http.conversation([userId])).room;
            this.#conversations.set(userId, room);
        }
        return this.join(room).send(text);
    }
    /** A joined room, by id. */
    room(id) {
        return this.#rooms.get(id);
    }
    /** Every room joined. */
    get rooms() {
        return [...this.#rooms.values()];
    }
    /** Opens the connection now (joining a room does it too). */
    connect() {
        if (this.status === 'closed' ||
            this.#socket ||
            this.#reconnectTimer !== undefined ||
            this.#refreshing !== undefined)
            return;
        if (this.status === 'unauthorized')
            return;
        this.#dial().catch((err) => {
            this.emit('error', clientError('no_websocket', err.message));
            this.close();
        });
    }
    /** Carries on with a new token (after `unauthorized`, or ahead of an expiry). */
    setToken(token) {
        this.#token = token;
        if (this.status === 'unauthorized') {
            this.#setStatus({ status: 'reconnecting', attempt: 0, delayMs: 0 });
            this.status = 'idle';
            this.connect();
        }
    }
    /** Closes the connection for good: waiting sends are rejected (`closed`), every room emits `left`. */
    close() {
        if (this.status === 'closed')
            return;
        this.#setStatus({ status: 'closed' });
        this.#clearTimers();
        const socket = this.#socket;
        this.#socket = undefined;
        this.#open = false;
        if (socket) {
            detach(socket);
            socket.close(1000);
        }
        for (const room of [...this.#rooms.values()])
            room.stop('client_closed', clientError('closed', 'the client was closed', { room: room.id }));
    }
    async #dial() {
        const expiry = tokenExpiry(this.#token);
        if (expiry !== undefined && expiry <= this.#clock.now()) {
            if (!(await this.#askForToken()))
                return;
        }
        if (this.#isClosed() || this.#socket)
            return;
        this.#setStatus({ status: 'connecting', attempt: this.#attempt });
        const WS = this.#options.WebSocket ?? globalThis.WebSocket;
        if (!WS)
            throw clientError('no_websocket', 'no WebSocket implementation: pass one as the WebSocket option');
        const url = `${joinUrl(this.#url.replace(/^http/, 'ws'), '/ws')}?token=${encodeURIComponent(this.#token)}`;
        const socket = new WS(url);
        this.#socket = socket;
        let opened = false;
        socket.onopen = () => {
            opened = true;
            this.#open = true;
            this.#lastHeard = this.#clock.now();
            this.#setStatus({ status: 'open' });
            this.#heartbeat();
            for (const room of this.#rooms.values())
                this.#transmit(room.joinFrame());
        };
        socket.onmessage = (ev) => this.#receive(ev.data);
        socket.onerror = () => { };
        socket.onclose = (ev) => {
            if (this.#socket !== socket)
                return;
            void this.#dropped(ev.code, ev.reason, opened);
        };
    }
    #receive(data) {
        this.#lastHeard = this.#clock.now();
        if (typeof data !== 'string')
            return;
        let frame;
        try {
            frame = JSON.parse(data);
        }
        catch {
            return;
        }
        if (frame.type === 'welcome')
            this.#attempt = 0;
        const room = typeof frame.room === 'string' ? this.#rooms.get(frame.room) : undefined;
        if (room)
            return room.receive(frame);
        if (frame.type === 'error' && frame.room === undefined) {
            const retryAfterMs = typeof frame.retryAfterMs === 'number' ? frame.retryAfterMs : undefined;
            this.emit('error', clientError(String(frame.code), String(frame.message ?? frame.code), { retryAfterMs }));
        }
    }
    async #dropped(code, reason, opened) {
        this.#socket = undefined;
        this.#open = false;
        this.#clock.clearTimeout(this.#heartbeatTimer);
        this.#heartbeatTimer = undefined;
        for (const room of this.#rooms.values())
            room.disconnected();
        if (this.status === 'closed')
            return;
        if (code === 4401 || (!opened && (await this.#refusedToken()))) {
            this.#setStatus({ status: 'reconnecting', attempt: this.#attempt, delayMs: 0, code, reason });
            if (await this.#askForToken())
                this.connect();
            return;
        }
        if (this.#isClosed())
            return;
        const delayMs = backoffDelay(this.#attempt++, this.#backoff, this.#random);
        this.#setStatus({ status: 'reconnecting', attempt: this.#attempt, delayMs, code, reason });
        this.#reconnectTimer = this.#clock.setTimeout(() => {
            this.#reconnectTimer = undefined;
            this.connect();
        }, delayMs);
    }
    /**
     * A browser's WebSocket does not say why an upgrade failed; a token refused before the
     * upgrade is told apart by asking `/ws` over HTTP, which checks the token before answering
     * 400 for a request that is not an upgrade.
     */
    async #refusedToken() {
        if (typeof (this.#options.fetch ?? globalThis.fetch) !== 'function')
            return false;
        // Called through globalThis: a browser's fetch refuses to run detached from window.
        const f = this.#options.fetch ?? ((input, init) => globalThis.fetch(input, init));
        try {
            const res = await f(joinUrl(this.#url, '/ws'), { headers: { authorization: `Bearer ${this.#token}` } });
            await res.body?.cancel();
            return res.status === 401;
        }
        catch {
            return false;
        }
    }
    /** Gets a new token through `refreshToken`: true if there is one; else the status is `unauthorized`. */
    #askForToken() {
        this.#refreshing ??= (async () => {
            let fresh;
            try {
                fresh = (await this.#options.refreshToken?.()) ?? undefined;
            }
            catch (err) {
                this.emit('error', clientError('unauthorized', `refreshToken failed: ${err.message}`));
            }
            if (fresh !== undefined) {
                this.#token = fresh;
                return true;
            }
            if (!this.#isClosed()) {
                this.#setStatus({ status: 'unauthorized' });
                this.emit('error', clientError('unauthorized', 'the token was refused or expired; call setToken'));
            }
            return false;
        })().finally(() => {
            this.#refreshing = undefined;
        });
        return this.#refreshing;
    }
    #isClosed() {
        return this.status === 'closed';
    }
    /** Pings after `heartbeatMs` of silence; drops a connection silent `heartbeatTimeoutMs` longer. */
    #heartbeat() {
        const every = this.#options.heartbeatMs ?? 20_000;
        const grace = this.#options.heartbeatTimeoutMs ?? 10_000;
        const check = () => {
            const socket = this.#socket;
            if (!socket || !this.#open)
                return;
            const silent = this.#clock.now() - this.#lastHeard;
            if (silent >= every + grace) {
                // Dead without a close (a cut cable, a sleeping laptop): give up on it without waiting.
                detach(socket);
                try {
                    socket.close(4000, 'no answer');
                }
                catch { }
                void this.#dropped(1006, 'no answer to ping', true);
                return;
            }
            if (silent >= every)
                this.#transmit({ type: 'ping' });
            this.#heartbeatTimer = this.#clock.setTimeout(check, silent >= every ? grace : every - silent);
        };
        this.#heartbeatTimer = this.#clock.setTimeout(check, every);
    }
    #transmit(frame) {
        const socket = this.#socket;
        if (!socket || !this.#open)
            return;
        try {
            socket.send(JSON.stringify(frame));
        }
        catch {
            // Closing: the close event brings the reconnect, and the rooms resend what is unanswered.
        }
    }
    #setStatus(event) {
        this.status = event.status;
        this.emit('status', event);
    }
    #clearTimers() {
        this.#clock.clearTimeout(this.#reconnectTimer);
        this.#clock.clearTimeout(this.#heartbeatTimer);
        this.#reconnectTimer = undefined;
        this.#heartbeatTimer = undefined;
    }
}
function detach(socket) {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
}
