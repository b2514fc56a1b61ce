/**
 * The message box (docs/page.md "What it does"): Enter sends, Shift+Enter starts a new line
 * (and an Enter that ends an IME composition does neither), typing goes out while the box
 * has text. Each send shows as "Sending…" until the server has stored it, through reconnects
 * and restarts (the client resends it with the same id), and as "Not sent: <why>" if it is
 * refused for good.
 */
import type { Room } from '../client/index.ts'
import { byId, el } from './dom.ts'
import type { Translate } from './i18n.ts'
import { errorText } from './words.ts'

export interface ComposerOptions {
  /** The open room, if any. */
  room(): Room | undefined
  t: Translate
  onError(text: string): void
}

export class Composer {
  readonly #o: ComposerOptions
  readonly #box = byId<HTMLTextAreaElement>('message')
  readonly #form = byId<HTMLFormElement>('message-form')
  readonly #outbox = byId('outbox')

  constructor(options: ComposerOptions) {
    this.#o = options
    this.#form.addEventListener('submit', this.#onSubmit)
    this.#box.addEventListener('keydown', this.#onKey)
    this.#box.addEventListener('input', this.#onInput)
  }

  stop(): void {
    this.#form.removeEventListener('submit', this.#onSubmit)
    this.#box.removeEventListener('keydown', this.#onKey)
    this.#box.removeEventListener('input', this.#onInput)
  }

  /** Another room opened: the sends of the last one go on, out of sight. */
  clear(): void {
    this.#outbox.replaceChildren()
  }

  readonly #onSubmit = (e: SubmitEvent) => {
    e.preventDefault()
    this.#send()
  }

  readonly #onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault()
      this.#send()
    }
  }

  readonly #onInput = () => {
    if (this.#box.value.trim() === '') this.#o.room()?.stopTyping()
    else this.#o.room()?.typing()
  }

  #send(): void {
    const room = this.#o.room()
    const text = this.#box.value
    if (!room || text.trim() === '') return
    this.#box.value = ''
    const t = this.#o.t
    const state = el('span', {}, t('sending'))
    const pending = el('li', { class: 'pending' }, el('span', { class: 'text' }, text), ' ', state)
    this.#outbox.append(pending)
    room.send(text).then(
      () => pending.remove(),
      (err: unknown) => {
        const reason = errorText(err, t, room.id)
        pending.classList.add('failed')
        state.textContent = t('notSent', { reason })
        this.#o.onError(reason)
      },
    )
  }
}
