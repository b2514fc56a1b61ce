/**
 * The client's one error type. `code` is the server's error code (`rate_limited`,
 * `forbidden`, ...; docs/protocol.md) when the server refused something, or one of the
 * client's own: `closed` (the client was closed), `left` (the room was left or revoked before
 * an answer came), `limit_exceeded` (too many unacknowledged sends), `unauthorized` (no valid
 * token), `network` (an HTTP request that got no answer), `bad_response`.
 */
export interface ErrorDetails {
    status?: number;
    room?: string;
    ref?: string;
    retryAfterMs?: number;
    reason?: string;
}
export declare class GuildhallError extends Error {
    readonly code: string;
    readonly status: number | undefined;
    readonly room: string | undefined;
    readonly ref: string | undefined;
    readonly retryAfterMs: number | undefined;
    readonly reason: string | undefined;
    constructor(code: string, message: string, details?: ErrorDetails);
}
export declare function clientError(code: string, message: string, details?: ErrorDetails): GuildhallError;
