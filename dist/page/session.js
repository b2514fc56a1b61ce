/**
 * Where the page keeps what survives a reload: the token (this tab's sessionStorage, never
 * the URL: a `?token=` is moved there at once and taken out of the address bar, so it is
 * not left in history or bookmarks), the open room (the URL's fragment, `#lobby`), and the
 * rooms opened on this page (localStorage, per user, for servers without GET /me/rooms).
 */
const TOKEN_KEY = 'guildhall.token';
const roomsKey = (user) => `guildhall.rooms.${user}`;
/** Rooms remembered per user: enough for a list, bounded so storage never grows without end. */
export const REMEMBERED_ROOMS_MAX = 50;
/** The token from `?token=` (then removed from the address bar) or from an earlier visit in this tab. */
export function takeToken(location, history, storage) {
    const url = new URL(location.href);
    const fromUrl = url.searchParams.get('token');
    if (fromUrl !== null) {
        url.searchParams.delete('token');
        history.replaceState(history.state, '', url);
        if (fromUrl)
            storage.setItem(TOKEN_KEY, fromUrl);
    }
    return fromUrl || storage.getItem(TOKEN_KEY) || undefined;
}
export function keepToken(storage, token) {
    storage.setItem(TOKEN_KEY, token);
}
export function forgetToken(storage) {
    storage.removeItem(TOKEN_KEY);
}
/** The `sub` claim, read without verifying (only to say who is signed in; the server verifies). */
export function tokenSubject(token) {
    const payload = token.split('.')[1];
    if (!payload)
        return undefined;
    try {
        const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
        const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
        const claims = JSON.parse(new TextDecoder().decode(bytes));
        return typeof claims.sub === 'string' ? claims.sub : undefined;
    }
    catch {
        return undefined;
    }
}
/** The room in the fragment (`#GUILD%23raiders` is `GUILD#raiders`). */
export function roomFromHash(hash) {
    if (hash.length <= 1)
        return undefined;
    try {
        return decodeURIComponent(hash.slice(1)) || undefined;
    }
    catch {
        return undefined;
    }
}
export function hashFor(room) {
    return `#${encodeURIComponent(room)}`;
}
export function rememberedRooms(storage, user) {
    try {
        const rooms = JSON.parse(storage.getItem(roomsKey(user)) ?? '[]');
        return Array.isArray(rooms) ? rooms.filter((r) => typeof r === 'string') : [];
    }
    catch {
        return [];
    }
}
export function rememberRoom(storage, user, room) {
    const rooms = [room, ...rememberedRooms(storage, user).filter((r) => r !== room)].slice(0, REMEMBERED_ROOMS_MAX);
    try {
        storage.setItem(roomsKey(user), JSON.stringify(rooms));
    }
    catch {
        // storage full or disabled: the list just does not survive a reload
    }
}
export function forgetRoom(storage, user, room) {
    storage.setItem(roomsKey(user), JSON.stringify(rememberedRooms(storage, user).filter((r) => r !== room)));
}
/** A room id the server accepts (docs/protocol.md "Room ids"): checked before asking it. */
export function isRoomId(room) {
    return /^(GUILD#)?[A-Za-z0-9_-]{1,64}$/.test(room);
}
