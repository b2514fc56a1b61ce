/**
 * The HTTP side of the contract (docs/protocol.md): history, my rooms, conversations,
 * devices, read markers and posting. Web-standard `fetch`; the token goes in the
 * `Authorization` header. A refusal rejects with a `GuildhallError` carrying the server's
 * `error` code, the status and `retryAfterMs`.
 */
import { clientError } from "./errors.js";
export class HttpApi {
    #options;
    #fetch;
    constructor(options) {
        this.#options = options;
        this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    }
    /** `GET /rooms/:roomId/messages`: a page of history, oldest first. */
    history(room, query = {}) {
        const params = new URLSearchParams();
        for (const key of ['before', 'after', 'limit']) {
            const value = query[key];
            if (value !== undefined)
                params.set(key, String(value));
        }
        const qs = params.size > 0 ? `?${params}` : '';
        return this.#json('GET', `/rooms/${encodeURIComponent(room)}/messages${qs}`);
    }
    /** `GET /me/rooms`: one page of the rooms the caller is in, newest activity first. */
    myRooms(query = {}) {
        const params = new URLSearchParams();
        if (query.limit !== undefined)
            params.set('limit', String(query.limit));
        if (query.cursor !== undefined)
            params.set('cursor', query.cursor);
        const qs = params.size > 0 ? `?${params}` : '';
        return this.#json('GET', `/me/rooms${qs}`);
    }
    /** `POST /conversations`: the pair's one conversation, or a new group. */
    async conversation(members) {
        const { body, status } = await this.#request('POST', '/conversations', { members });
        const answer = body;
        return { room: answer.room, members: answer.members, created: status === 201 };
    }
    /** `PUT /rooms/:roomId/read`: the same as a `read` frame. */
    async markRead(room, seq) {
        await this.#request('PUT', `/rooms/${encodeURIComponent(room)}/read`, { seq });
    }
    /** `POST /rooms/:roomId/messages`: idempotent by `id` (`senderId` needs the admin role). */
    async post(room, message) {
        const { body, status } = await this.#request('POST', `/rooms/${encodeURIComponent(room)}/messages`, message);
        const answer = body;
        return { seq: answer.seq, messageId: answer.messageId, created: status === 201 };
    }
    /** `PUT /me/devices/:deviceId`: registers a device for push. */
    async putDevice(deviceId, device) {
        await this.#request('PUT', `/me/devices/${encodeURIComponent(deviceId)}`, device);
    }
    /** `DELETE /me/devices/:deviceId` (idempotent). */
    async deleteDevice(deviceId) {
        await this.#request('DELETE', `/me/devices/${encodeURIComponent(deviceId)}`);
    }
    async #json(method, path, body) {
        return (await this.#request(method, path, body)).body;
    }
    async #request(method, path, body) {
        let token = await this.#options.token();
        let response = await this.#send(method, path, body, token);
        if (response.status === 401 && this.#options.refreshToken) {
            const fresh = await this.#options.refreshToken();
            if (fresh !== undefined) {
                token = fresh;
                response = await this.#send(method, path, body, token);
            }
        }
        const text = await response.text();
        let parsed;
        try {
            parsed = text === '' ? undefined : JSON.parse(text);
        }
        catch {
            throw clientError('bad_response', `${method} ${path}: ${response.status} with a body that is not JSON`, {
                status: response.status,
            });
        }
        if (!response.ok)
            throw refusal(method, path, response.status, parsed);
        return { status: response.status, body: parsed };
    }
    async #send(method, path, body, token) {
        const headers = { authorization: `Bearer ${token}` };
        if (body !== undefined)
            headers['content-type'] = 'application/json';
        try {
            return await this.#fetch(joinUrl(this.#options.url, path), {
                method,
                headers,
                body: body === undefined ? undefined : JSON.stringify(body),
            });
        }
        catch (err) {
            throw clientError('network', `${method} ${path}: ${err.message}`);
        }
    }
}
function refusal(method, path, status, body) {
    const b = (body ?? {});
    const code = typeof b.error === 'string' ? b.error : `http_${status}`;
    const message = typeof b.message === 'string' ? b.message : `${method} ${path} answered ${status}`;
    const retryAfterMs = typeof b.retryAfterMs === 'number' ? b.retryAfterMs : undefined;
    return clientError(code, message, { status, retryAfterMs });
}
/** `base` + `path`, keeping a path prefix the base may have (`https://h/chat` + `/ws`). */
export function joinUrl(base, path) {
    return base.replace(/\/+$/, '') + path;
}
