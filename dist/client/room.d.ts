/**
 * One room on the client's connection: its state (seq, presence, typing, read markers), its
 * events, and its unacknowledged sends. The client (client.ts) feeds it the server's frames
 * and tells it when the connection drops; the room decides what to (re)send and delivers each
 * message once, in seq order, whatever the server replays.
 */
import { Emitter } from './emitter.ts';
import { type GuildhallError } from './errors.ts';
import type { HistoryQuery } from './http.ts';
import { type TypingOptions } from './typing-throttle.ts';
import type { Ack, HistoryPage, Message, ServerFrame, Welcome } from './wire.ts';
export interface RoomEvents {
    /** Every (re-)entry; `recovered: false` means messages were missed: see `gap`. */
    welcome: Welcome;
    /** Each message once, in seq order. */
    message: Message;
    typing: {
        userId: string;
        active: boolean;
    };
    presence: {
        userId: string;
        online: boolean;
    };
    read: {
        userId: string;
        seq: number;
    };
    /** Messages after `after` up to `through` (inclusive) will not be delivered: page history. */
    gap: {
        after: number;
        through: number;
    };
    /** The room is over for this client: `leave()`, `revoked`, `closed`, a refused join, or `client_closed`. */
    left: {
        reason: string;
    };
    /** A refusal that is not the answer to one `send` (those reject the send's promise). */
    error: GuildhallError;
}
/** What a room needs from the client that owns the connection. */
export interface RoomLink {
    /** True when frames can go out now. */
    connected(): boolean;
    transmit(frame: Record<string, unknown>): void;
    now(): number;
    setTimer(fn: () => void, ms: number): () => void;
    /** The delay before retry number `attempt`. */
    backoff(attempt: number): number;
    newId(): string;
    history(room: string, query: HistoryQuery): Promise<HistoryPage>;
    forget(room: Room): void;
}
export interface RoomOptions {
    since?: number;
    maxUnackedSends: number;
    typing: TypingOptions;
}
export declare class Room extends Emitter<RoomEvents> {
    #private;
    readonly id: string;
    /** Resolves with the first `welcome`; rejects when the join is refused. */
    readonly ready: Promise<Welcome>;
    /** `joining` until welcomed (again, after a reconnect), `left` once over. */
    state: 'joining' | 'joined' | 'left';
    /** The room's latest seq as far as this client knows. */
    seq: number;
    /** This user's own read marker. */
    lastRead: number;
    readonly presence: Set<string>;
    /** Users typing now (never this user). */
    readonly typingUsers: Set<string>;
    /** Read markers of other users seen since joining. */
    readonly reads: Map<string, number>;
    constructor(id: string, link: RoomLink, options: RoomOptions);
    /** The last seq delivered (what a re-join resumes from). */
    get lastDelivered(): number;
    /** Sends not yet acknowledged. */
    get unacked(): number;
    /**
     * Posts `text`; resolves with its `ack` once the server has stored it, exactly once, through
     * reconnects and retries (the same `id` every time). Rejects on a final refusal (`too_long`,
     * `forbidden`, ...), when the room is left, or at once past `maxUnackedSends`.
     */
    send(text: string): Promise<Ack>;
    /** The user is typing: call on every input; frames go out throttled, and stop by themselves. */
    typing(): void;
    /** The user stopped typing (cleared the field, say). */
    stopTyping(): void;
    /** Moves this user's read marker to `seq` (only forward; sent again after a reconnect if needed). */
    markRead(seq: number): void;
    /** A page of older (or, with `after`, newer) messages over HTTP. */
    history(query?: HistoryQuery): Promise<HistoryPage>;
    /** Leaves the room: unacknowledged sends are rejected (`left`), and the room is over. */
    leave(): void;
    /** The room's messages as an async iterator, from now until the room is left. */
    messages(): AsyncIterableIterator<Message>;
    [Symbol.asyncIterator](): AsyncIterableIterator<Message>;
    /** @internal The `join` frame for this (re-)entry: `since` = the last seq delivered once welcomed. */
    joinFrame(): Record<string, unknown>;
    /** @internal The connection dropped: the room waits to be joined again. */
    disconnected(): void;
    /** @internal A frame for this room. */
    receive(frame: ServerFrame): void;
    /** @internal The room is over: every waiting send is rejected with `error`. */
    stop(reason: string, error: GuildhallError): void;
}
