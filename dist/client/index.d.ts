/**
 * guildhall's client library (`guildhall/client`): one WebSocket for many rooms, nothing
 * lost or duplicated across reconnects, and the HTTP API. No dependencies; runs in browsers,
 * Deno and Node 22+ (on older Node pass a `WebSocket` implementation). See docs/client.md.
 */
export { type BackoffOptions, backoffDelay, defaultBackoff } from './backoff.ts';
export { type ClientClock, type ClientEvents, type ClientOptions, type ClientStatus, GuildhallClient, type WebSocketConstructor, type WebSocketLike, } from './client.ts';
export { GuildhallError } from './errors.ts';
export { type HistoryQuery, HttpApi, type HttpOptions } from './http.ts';
export { Room, type RoomEvents } from './room.ts';
export type { Ack, Conversation, Device, HistoryPage, Message, MyRoom, MyRoomsPage, Posted, Welcome, } from './wire.ts';
import { GuildhallClient, type ClientOptions } from './client.ts';
/** `new GuildhallClient(options)`. */
export declare function connect(options: ClientOptions): GuildhallClient;
