/**
 * guildhall's client library (`guildhall/client`): one WebSocket for many rooms, nothing
 * lost or duplicated across reconnects, and the HTTP API. No dependencies; runs in browsers,
 * Deno and Node 22+ (on older Node pass a `WebSocket` implementation). See docs/client.md.
 */
export { backoffDelay, defaultBackoff } from "./backoff.js";
export { GuildhallClient, } from "./client.js";
export { GuildhallError } from "./errors.js";
export { HttpApi } from "./http.js";
export { Room } from "./room.js";
import { GuildhallClient } from "./client.js";
/** `new GuildhallClient(options)`. */
export function connect(options) {
    const client = new GuildhallClient(options);
    client.connect();
    return client;
}
