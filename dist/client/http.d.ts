import type { Conversation, Device, HistoryPage, MyRoomsPage, Posted } from './wire.ts';
export interface HttpOptions {
    /** The server's base URL, e.g. `https://chat.example.com` (a path prefix is kept). */
    url: string;
    /** The current token. */
    token: () => string | Promise<string>;
    /** Called once on a `401`: a new token to retry with, or undefined to give up. */
    refreshToken?: () => Promise<string | undefined>;
    fetch?: typeof fetch;
}
export interface HistoryQuery {
    before?: number;
    after?: number;
    limit?: number;
}
export declare class HttpApi {
    #private;
    constructor(options: HttpOptions);
    /** `GET /rooms/:roomId/messages`: a page of history, oldest first. */
    history(room: string, query?: HistoryQuery): Promise<HistoryPage>;
    /** `GET /me/rooms`: one page of the rooms the caller is in, newest activity first. */
    myRooms(query?: {
        limit?: number;
        cursor?: string;
    }): Promise<MyRoomsPage>;
    /** `POST /conversations`: the pair's one conversation, or a new group. */
    conversation(members: string[]): Promise<Conversation>;
    /** `PUT /rooms/:roomId/read`: the same as a `read` frame. */
    markRead(room: string, seq: number): Promise<void>;
    /** `POST /rooms/:roomId/messages`: idempotent by `id` (`senderId` needs the admin role). */
    post(room: string, message: {
        id: string;
        text: string;
        senderId?: string;
    }): Promise<Posted>;
    /** `PUT /me/devices/:deviceId`: registers a device for push. */
    putDevice(deviceId: string, device: Device): Promise<void>;
    /** `DELETE /me/devices/:deviceId` (idempotent). */
    deleteDevice(deviceId: string): Promise<void>;
}
/** `base` + `path`, keeping a path prefix the base may have (`https://h/chat` + `/ws`). */
export declare function joinUrl(base: string, path: string): string;
