/** The shapes of the server's answers (docs/protocol.md), as the client reads them. */
export interface Message {
    id: string;
    seq: number;
    roomId: string;
    senderId: string;
    text: string;
    ts: number;
}
export interface Ack {
    room: string;
    /** The client's idempotency key, as sent. */
    id: string;
    seq: number;
    messageId: string;
}
export interface Welcome {
    room: string;
    user: string;
    /** The room's latest seq at entry. */
    seq: number;
    lastRead: number;
    presence: string[];
    typing: string[];
    /** Present when the join asked for `since`: false means too far behind, page history. */
    recovered?: boolean;
}
export interface HistoryPage {
    messages: Message[];
    more: boolean;
}
export interface MyRoom {
    room: string;
    kind: 'conversation' | 'private' | 'guild' | 'public';
    seq: number;
    lastRead: number;
    unread: number;
    lastMessage: Message | null;
    members?: string[];
}
export interface MyRoomsPage {
    rooms: MyRoom[];
    nextCursor?: string;
}
export interface Conversation {
    room: string;
    members: string[];
    /** True when this call made it (201), false when it already existed (200). */
    created: boolean;
}
export interface Posted {
    seq: number;
    messageId: string;
    /** False when the `id` had been posted before (200): this is the original. */
    created: boolean;
}
export type Device = {
    platform: 'fcm';
    token: string;
    locale?: string;
} | {
    platform: 'webpush';
    subscription: {
        endpoint: string;
        keys: {
            p256dh: string;
            auth: string;
        };
    };
    locale?: string;
};
/** Any frame the server sends: a `type` and fields that depend on it. */
export type ServerFrame = {
    type: string;
    room?: string;
} & Record<string, unknown>;
