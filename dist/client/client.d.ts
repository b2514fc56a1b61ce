/**
 * The client: one WebSocket (`/ws`) for every room joined, reconnected with jittered
 * exponential backoff whenever it drops. On each (re)connect every room is joined again with
 * `since` = the last seq it delivered, and its unacknowledged sends go out again with their
 * original ids once it is welcomed, so nothing is lost and nothing is stored or delivered
 * twice. A token refused (close 4401, or an upgrade refused with 401) stops reconnecting
 * until `refreshToken` (or `setToken`) gives a new one.
 */
import { type BackoffOptions } from './backoff.ts';
import { Emitter } from './emitter.ts';
import { type GuildhallError } from './errors.ts';
import { HttpApi } from './http.ts';
import { Room } from './room.ts';
import { type TypingOptions } from './typing-throttle.ts';
import type { Ack } from './wire.ts';
/** The parts of a Web-standard WebSocket the client uses. */
export interface WebSocketLike {
    readonly readyState: number;
    send(data: string): void;
    close(code?: number, reason?: string): void;
    onopen: ((ev: unknown) => void) | null;
    onmessage: ((ev: {
        data: unknown;
    }) => void) | null;
    onclose: ((ev: {
        code: number;
        reason: string;
    }) => void) | null;
    onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;
/** Time and timers, injectable so tests can drive them. */
export interface ClientClock {
    now(): number;
    setTimeout(fn: () => void, ms: number): unknown;
    clearTimeout(handle: unknown): void;
}
export interface ClientOptions {
    /** The server's base URL: `http(s)://host:port` (the WebSocket URL is derived from it). */
    url: string;
    /** The access token (a JWT). */
    token: string;
    /**
     * Asked for a new token when the server says the current one expired (4401) or refused
     * it, or when it has expired before a connect. Return undefined to stop: the client waits
     * (status `unauthorized`) until `setToken`.
     */
    refreshToken?: () => Promise<string | undefined> | string | undefined;
    /** A WebSocket implementation; defaults to the global one (browsers, Deno, Node 22+). */
    WebSocket?: WebSocketConstructor;
    /** A fetch implementation; defaults to the global one. */
    fetch?: typeof fetch;
    /** Reconnect delays (defaults: 250 ms doubling to 15 s, half of each drawn at random). */
    backoff?: Partial<BackoffOptions>;
    /** Sends per room waiting for their ack (default 100, the server's own cap). */
    maxUnackedSends?: number;
    /** Typing frames: `throttleMs` (default 2000) and `idleMs` (default 5000). */
    typing?: Partial<TypingOptions>;
    /** With nothing heard for this long, the client pings (default 20000). */
    heartbeatMs?: number;
    /** Then, with still nothing heard for this long, the connection counts as dead (default 10000). */
    heartbeatTimeoutMs?: number;
    clock?: ClientClock;
    random?: () => number;
    newId?: () => string;
}
export type ClientStatus = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'unauthorized' | 'closed';
export interface ClientEvents {
    status: {
        status: ClientStatus;
        attempt?: number;
        delayMs?: number;
        code?: number;
        reason?: string;
    };
    /** Errors that belong to no room (a token refused, an `error` frame without a room). */
    error: GuildhallError;
}
export declare class GuildhallClient extends Emitter<ClientEvents> {
    #private;
    /** HTTP helpers: history, my rooms, conversations, devices, read markers, posting. */
    readonly http: HttpApi;
    status: ClientStatus;
    constructor(options: ClientOptions);
    /** The token in use. */
    get token(): string;
    /** Joins `room` (or returns it if joined): await `room.ready` for its first welcome. */
    join(room: string, options?: {
        since?: number;
    }): Room;
    /**
     * Sends `text` to `userId` in the pair's conversation, made if needed: the conversation is
     * found over HTTP (`POST /conversations`, once per peer), joined, and the text sent there
     * with every guarantee of `send`. Resolves with the ack (its `room` is the conversation).
     */
    dm(userId: string, text: string): Promise<Ack>;
    /** A joined room, by id. */
    room(id: string): Room | undefined;
    /** Every room joined. */
    get rooms(): Room[];
    /** Opens the connection now (joining a room does it too). */
    connect(): void;
    /** Carries on with a new token (after `unauthorized`, or ahead of an expiry). */
    setToken(token: string): void;
    /** Closes the connection for good: waiting sends are rejected (`closed`), every room emits `left`. */
    close(): void;
}
