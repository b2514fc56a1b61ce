import { byId, el } from "./dom.js";
import { errorText } from "./words.js";
export class Composer {
    #o;
    #box = byId('message');
    #form = byId('message-form');
    #outbox = byId('outbox');
    constructor(options) {
        this.#o = options;
        this.#form.addEventListener('submit', this.#onSubmit);
        this.#box.addEventListener('keydown', this.#onKey);
        this.#box.addEventListener('input', this.#onInput);
    }
    stop() {
        this.#form.removeEventListener('submit', this.#onSubmit);
        this.#box.removeEventListener('keydown', this.#onKey);
        this.#box.removeEventListener('input', this.#onInput);
    }
    /** Another room opened: the sends of the last one go on, out of sight. */
    clear() {
        this.#outbox.replaceChildren();
    }
    #onSubmit = (e) => {
        e.preventDefault();
        this.#send();
    };
    #onKey = (e) => {
        if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            this.#send();
        }
    };
    #onInput = () => {
        if (this.#box.value.trim() === '')
            this.#o.room()?.stopTyping();
        else
            this.#o.room()?.typing();
    };
    #send() {
        const room = this.#o.room();
        const text = this.#box.value;
        if (!room || text.trim() === '')
            return;
        this.#box.value = '';
        const t = this.#o.t;
        const state = el('span', {}, t('sending'));
        const pending = el('li', { class: 'pending' }, el('span', { class: 'text' }, text), ' ', state);
        this.#outbox.append(pending);
        room.send(text).then(() => pending.remove(), (err) => {
            const reason = errorText(err, t, room.id);
            pending.classList.add('failed');
            state.textContent = t('notSent', { reason });
            this.#o.onError(reason);
        });
    }
}
