/**
 * The client's one error type. `code` is the server's error code (`rate_limited`,
 * `forbidden`, ...; docs/protocol.md) when the server refused something, or one of the
 * client's own: `closed` (the client was closed), `left` (the room was left or revoked before
 * an answer came), `limit_exceeded` (too many unacknowledged sends), `unauthorized` (no valid
 * token), `network` (an HTTP request that got no answer), `bad_response`.
 */
export class GuildhallError extends Error {
    code;
    status;
    room;
    ref;
    retryAfterMs;
    reason;
    constructor(code, message, details = {}) {
        super(message);
        this.name = 'GuildhallError';
        this.code = code;
        this.status = details.status;
        this.room = details.room;
        this.ref = details.ref;
        this.retryAfterMs = details.retryAfterMs;
        this.reason = details.reason;
    }
}
export function clientError(code, message, details) {
    return new GuildhallError(code, message, details);
}
