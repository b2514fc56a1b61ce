/**
 * One room on the client's connection: its state (seq, presence, typing, read markers), its
 * events, and its unacknowledged sends. The client (client.ts) feeds it the server's frames
 * and tells it when the connection drops; the room decides what to (re)send and delivers each
 * message once, in seq order, whatever the server replays.
 */
import { Emitter } from "./emitter.js";
import { clientError } from "./errors.js";
import { Outbox } from "./outbox.js";
import { SeqGate } from "./seq-gate.js";
import { TypingThrottle } from "./typing-throttle.js";
export class Room extends Emitter {
    id;
    /** Resolves with the first `welcome`; rejects when the join is refused. */
    ready;
    /** `joining` until welcomed (again, after a reconnect), `left` once over. */
    state = 'joining';
    /** The room's latest seq as far as this client knows. */
    seq = 0;
    /** This user's own read marker. */
    lastRead = 0;
    presence = new Set();
    /** Users typing now (never this user). */
    typingUsers = new Set();
    /** Read markers of other users seen since joining. */
    reads = new Map();
    #link;
    #gate;
    #outbox;
    #settles = new Map();
    #typing;
    #since;
    #user;
    #welcomed = false;
    #joinRetries = 0;
    #pendingRead = 0;
    #holdUntil = 0;
    #cancelHold;
    #cancelRejoin;
    #cancelIdle;
    #resolveReady;
    #rejectReady;
    constructor(id, link, options) {
        super();
        this.id = id;
        this.#link = link;
        this.#since = options.since;
        this.#gate = new SeqGate(options.since ?? 0);
        this.#outbox = new Outbox(options.maxUnackedSends);
        this.#typing = new TypingThrottle(options.typing);
        this.ready = new Promise((resolve, reject) => {
            this.#resolveReady = resolve;
            this.#rejectReady = reject;
        });
        // Nobody has to await `ready`: a refused join is also a `left` and an `error` event.
        this.ready.catch(() => { });
    }
    /** The last seq delivered (what a re-join resumes from). */
    get lastDelivered() {
        return this.#gate.last;
    }
    /** Sends not yet acknowledged. */
    get unacked() {
        return this.#outbox.size;
    }
    /**
     * Posts `text`; resolves with its `ack` once the server has stored it, exactly once, through
     * reconnects and retries (the same `id` every time). Rejects on a final refusal (`too_long`,
     * `forbidden`, ...), when the room is left, or at once past `maxUnackedSends`.
     */
    send(text) {
        if (this.state === 'left')
            return Promise.reject(clientError('left', `not in room ${this.id}`, { room: this.id }));
        if (this.#outbox.full)
            return Promise.reject(clientError('limit_exceeded', `${this.#outbox.capacity} sends are already waiting for their ack`, {
                room: this.id,
            }));
        const id = this.#link.newId();
        this.#outbox.add(id, text);
        const acked = new Promise((resolve, reject) => this.#settles.set(id, { resolve, reject }));
        this.stopTyping();
        this.#flush();
        return acked;
    }
    /** The user is typing: call on every input; frames go out throttled, and stop by themselves. */
    typing() {
        if (this.state !== 'joined' || !this.#link.connected())
            return;
        if (this.#typing.input(this.#link.now()))
            this.#link.transmit({ type: 'typing', room: this.id, active: true });
        this.#scheduleIdle();
    }
    /** The user stopped typing (cleared the field, say). */
    stopTyping() {
        this.#cancelIdle?.();
        this.#cancelIdle = undefined;
        if (this.#typing.stop() && this.state === 'joined' && this.#link.connected())
            this.#link.transmit({ type: 'typing', room: this.id, active: false });
    }
    /** Moves this user's read marker to `seq` (only forward; sent again after a reconnect if needed). */
    markRead(seq) {
        if (seq <= Math.max(this.lastRead, this.#pendingRead))
            return;
        this.#pendingRead = seq;
        if (this.state === 'joined' && this.#link.connected())
            this.#link.transmit({ type: 'read', room: this.id, seq });
    }
    /** A page of older (or, with `after`, newer) messages over HTTP. */
    history(query = {}) {
        return this.#link.history(this.id, query);
    }
    /** Leaves the room: unacknowledged sends are rejected (`left`), and the room is over. */
    leave() {
        if (this.state === 'left')
            return;
        if (this.#link.connected())
            this.#link.transmit({ type: 'leave', room: this.id });
        this.stop('leave', clientError('left', `left room ${this.id}`, { room: this.id, reason: 'leave' }));
    }
    /** The room's messages as an async iterator, from now until the room is left. */
    messages() {
        const buffer = [];
        let wake;
        let done = this.state === 'left';
        const finish = () => {
            done = true;
            offMessage();
            offLeft();
            wake?.({ value: undefined, done: true });
            wake = undefined;
            return { value: undefined, done: true };
        };
        const offMessage = this.on('message', (m) => {
            if (wake) {
                wake({ value: m, done: false });
                wake = undefined;
            }
            else
                buffer.push(m);
        });
        const offLeft = this.on('left', () => {
            if (buffer.length === 0)
                finish();
            else
                done = true;
        });
        const iterator = {
            next: () => {
                const m = buffer.shift();
                if (m)
                    return Promise.resolve({ value: m, done: false });
                if (done)
                    return Promise.resolve(finish());
                return new Promise((resolve) => (wake = resolve));
            },
            return: () => Promise.resolve(finish()),
            [Symbol.asyncIterator]: () => iterator,
        };
        return iterator;
    }
    [Symbol.asyncIterator]() {
        return this.messages();
    }
    // ---- driven by the client (client.ts) ----
    /** @internal The `join` frame for this (re-)entry: `since` = the last seq delivered once welcomed. */
    joinFrame() {
        const since = this.#welcomed ? this.#gate.last : this.#since;
        return since === undefined ? { type: 'join', room: this.id } : { type: 'join', room: this.id, since };
    }
    /** @internal The connection dropped: the room waits to be joined again. */
    disconnected() {
        if (this.state === 'left')
            return;
        this.state = 'joining';
        this.#outbox.unsend();
        this.#typing.reset();
        this.#cancelIdle?.();
        this.#cancelRejoin?.();
    }
    /** @internal A frame for this room. */
    receive(frame) {
        if (this.state === 'left')
            return;
        switch (frame.type) {
            case 'welcome':
                return this.#welcome(frame);
            case 'message':
                return this.#message(frame.message);
            case 'ack':
                return this.#ack(frame);
            case 'typing':
                return this.#typingFrame(frame.userId, frame.active === true);
            case 'presence':
                return this.#presenceFrame(frame.userId, frame.online === true);
            case 'read':
                return this.#readFrame(frame.userId, frame.seq);
            case 'left':
                return this.#left(frame.reason);
            case 'error':
                return this.#error(frame);
        }
    }
    /** @internal The room is over: every waiting send is rejected with `error`. */
    stop(reason, error) {
        if (this.state === 'left')
            return;
        this.state = 'left';
        for (const cancel of [this.#cancelHold, this.#cancelRejoin, this.#cancelIdle])
            cancel?.();
        for (const entry of this.#outbox.drain()) {
            const settle = this.#settles.get(entry.id);
            this.#settles.delete(entry.id);
            settle?.reject(error);
        }
        if (!this.#welcomed)
            this.#rejectReady(error);
        this.#link.forget(this);
        this.emit('left', { reason });
    }
    #welcome(w) {
        const first = !this.#welcomed;
        const since = first ? this.#since : this.#gate.last;
        this.#welcomed = true;
        this.#user = w.user;
        this.#joinRetries = 0;
        this.state = 'joined';
        if (since === undefined)
            this.#gate.skipTo(w.seq);
        else if (w.seq < this.#gate.last) {
            // The room is behind what this client saw (its history was lost): follow the room.
            this.emit('gap', { after: w.seq, through: this.#gate.last });
            this.#gate.reset(w.seq);
        }
        else if (w.recovered === false && w.seq > this.#gate.last) {
            this.emit('gap', { after: this.#gate.last, through: w.seq });
            this.#gate.skipTo(w.seq);
        }
        this.seq = Math.max(this.seq, w.seq);
        this.lastRead = Math.max(this.lastRead, w.lastRead);
        this.presence.clear();
        for (const u of w.presence)
            this.presence.add(u);
        this.typingUsers.clear();
        for (const u of w.typing)
            if (u !== w.user)
                this.typingUsers.add(u);
        if (first)
            this.#resolveReady(w);
        this.emit('welcome', w);
        if (this.#pendingRead > this.lastRead)
            this.#link.transmit({ type: 'read', room: this.id, seq: this.#pendingRead });
        this.#flush();
    }
    #message(m) {
        const before = this.#gate.last;
        const verdict = this.#gate.accept(m.seq);
        if (verdict === 'duplicate')
            return;
        if (verdict === 'gap')
            this.emit('gap', { after: before, through: m.seq - 1 });
        this.seq = Math.max(this.seq, m.seq);
        if (this.typingUsers.delete(m.senderId))
            this.emit('typing', { userId: m.senderId, active: false });
        this.emit('message', m);
    }
    #ack(ack) {
        if (!this.#outbox.settle(ack.id))
            return;
        const settle = this.#settles.get(ack.id);
        this.#settles.delete(ack.id);
        settle?.resolve({ room: this.id, id: ack.id, seq: ack.seq, messageId: ack.messageId });
    }
    #typingFrame(userId, active) {
        const changed = active ? !this.typingUsers.has(userId) : this.typingUsers.has(userId);
        if (active)
            this.typingUsers.add(userId);
        else
            this.typingUsers.delete(userId);
        if (changed)
            this.emit('typing', { userId, active });
    }
    #presenceFrame(userId, online) {
        if (online)
            this.presence.add(userId);
        else
            this.presence.delete(userId);
        if (!online)
            this.typingUsers.delete(userId);
        this.emit('presence', { userId, online });
    }
    #readFrame(userId, seq) {
        if (userId === this.#user)
            this.lastRead = Math.max(this.lastRead, seq);
        this.reads.set(userId, Math.max(this.reads.get(userId) ?? 0, seq));
        this.emit('read', { userId, seq });
    }
    #left(reason) {
        // A `left` without a reason answers this client's own `leave`: the room is already over.
        if (reason === undefined)
            return;
        if (reason === 'unavailable') {
            // The room could not be reached for a while: enter it again, from where it stopped.
            this.state = 'joining';
            this.#outbox.unsend();
            this.#rejoinLater(this.#link.backoff(this.#joinRetries++));
            return;
        }
        this.stop(reason, clientError('left', `removed from room ${this.id} (${reason})`, { room: this.id, reason }));
    }
    #error(frame) {
        const code = String(frame.code);
        const retryAfterMs = typeof frame.retryAfterMs === 'number' ? frame.retryAfterMs : undefined;
        const details = { room: this.id, ref: frame.ref, retryAfterMs };
        const error = clientError(code, String(frame.message ?? code), details);
        const ref = typeof frame.ref === 'string' ? frame.ref : undefined;
        if (ref !== undefined && this.#outbox.has(ref))
            return this.#sendRefused(ref, error);
        if (this.state === 'joining')
            return this.#joinRefused(error);
        if (code === 'not_joined') {
            // The server no longer has this connection in the room: enter it again.
            this.state = 'joining';
            this.#outbox.unsend();
            this.#rejoinLater(0);
            return;
        }
        this.emit('error', error);
    }
    #sendRefused(id, error) {
        switch (error.code) {
            case 'rate_limited':
            case 'unavailable':
            case 'limit_exceeded':
            case 'not_joined': {
                // Nothing was stored: send it again later, with the same id (a rate limit says when).
                const entry = this.#outbox.retry(id);
                const wait = error.retryAfterMs ?? this.#link.backoff(entry.retries - 1);
                if (error.code === 'not_joined') {
                    this.state = 'joining';
                    this.#outbox.unsend();
                    this.#rejoinLater(0);
                }
                else
                    this.#hold(wait);
                return;
            }
            default: {
                this.#outbox.settle(id);
                const settle = this.#settles.get(id);
                this.#settles.delete(id);
                settle?.reject(error);
            }
        }
    }
    #joinRefused(error) {
        if (error.code === 'rate_limited' || error.code === 'unavailable') {
            this.#rejoinLater(error.retryAfterMs ?? this.#link.backoff(this.#joinRetries++));
            return;
        }
        this.emit('error', error);
        this.stop(error.code, error);
    }
    #rejoinLater(ms) {
        this.#cancelRejoin?.();
        this.#cancelRejoin = this.#link.setTimer(() => {
            this.#cancelRejoin = undefined;
            if (this.state === 'joining' && this.#link.connected())
                this.#link.transmit(this.joinFrame());
        }, ms);
    }
    /** No send goes out for `ms` (a rate limit or an unavailable store); then the waiting ones, in order. */
    #hold(ms) {
        const until = this.#link.now() + ms;
        if (until <= this.#holdUntil)
            return;
        this.#holdUntil = until;
        this.#cancelHold?.();
        this.#cancelHold = this.#link.setTimer(() => {
            this.#cancelHold = undefined;
            this.#flush();
        }, ms);
    }
    #flush() {
        if (this.state !== 'joined' || !this.#link.connected() || this.#cancelHold)
            return;
        for (const entry of this.#outbox.takeWaiting())
            this.#link.transmit({ type: 'send', room: this.id, id: entry.id, text: entry.text });
    }
    #scheduleIdle() {
        const at = this.#typing.idleAt();
        if (at === undefined)
            return;
        this.#cancelIdle?.();
        this.#cancelIdle = this.#link.setTimer(() => {
            this.#cancelIdle = undefined;
            if (this.#typing.idle(this.#link.now())) {
                if (this.state === 'joined' && this.#link.connected())
                    this.#link.transmit({ type: 'typing', room: this.id, active: false });
            }
            else
                this.#scheduleIdle();
        }, Math.max(0, at - this.#link.now()));
    }
}
