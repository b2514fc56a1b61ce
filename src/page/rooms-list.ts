/**
 * "My rooms": every room the user has (GET /me/rooms, and the rooms opened on this page),
 * newest activity first, each a button named with its unread count ("lobby 3 unread").
 * Updated in place, so a button that has the keyboard focus keeps it.
 */
import { el } from './dom.ts'
import type { Translate } from './i18n.ts'

export interface RoomEntry {
  room: string
  kind?: 'conversation' | 'private' | 'guild' | 'public'
  /** A conversation's members (the user included). */
  members?: string[]
  /** The room's latest seq as far as the page knows. */
  seq: number
  /** The user's own read marker. */
  lastRead: number
  /** When the latest message was sent (epoch ms), for the order. */
  lastTs?: number
}

export function unreadOf(entry: RoomEntry): number {
  return Math.max(0, entry.seq - entry.lastRead)
}

/** What the list calls a room: a conversation by its other members, a guild room by its guild. */
export function roomName(entry: Pick<RoomEntry, 'room' | 'kind' | 'members'>, me: string): string {
  if (entry.kind === 'conversation' && entry.members) {
    const others = entry.members.filter((m) => m !== me)
    if (others.length > 0) return others.join(', ')
  }
  return entry.room
}

/** Newest activity first; rooms without messages after, by id. */
export function sortRooms(entries: Iterable<RoomEntry>): RoomEntry[] {
  return [...entries].sort(
    (a, b) => (b.lastTs ?? 0) - (a.lastTs ?? 0) || (a.room < b.room ? -1 : a.room > b.room ? 1 : 0),
  )
}

export class RoomsList {
  readonly #list: HTMLElement
  readonly #empty: HTMLElement
  readonly #t: Translate
  readonly #me: string
  readonly #onOpen: (room: string) => void
  readonly #items = new Map<string, { li: HTMLLIElement; button: HTMLButtonElement }>()

  constructor(opts: { list: HTMLElement; empty: HTMLElement; t: Translate; me: string; onOpen(room: string): void }) {
    this.#list = opts.list
    this.#empty = opts.empty
    this.#t = opts.t
    this.#me = opts.me
    this.#onOpen = opts.onOpen
  }

  render(entries: Iterable<RoomEntry>, current: string | undefined): void {
    const sorted = sortRooms(entries)
    const keep = new Set(sorted.map((e) => e.room))
    for (const [room, item] of this.#items) {
      if (!keep.has(room)) {
        item.li.remove()
        this.#items.delete(room)
      }
    }
    const focused = document.activeElement
    sorted.forEach((entry, i) => {
      const item = this.#items.get(entry.room) ?? this.#create(entry.room)
      this.#fill(item.button, entry, entry.room === current)
      // Moved only when out of place: moving a node takes the focus off it (restored below).
      if (this.#list.children[i] !== item.li) this.#list.insertBefore(item.li, this.#list.children[i] ?? null)
    })
    if (focused instanceof HTMLElement && focused !== document.activeElement && focused.isConnected) focused.focus()
    this.#empty.hidden = sorted.length > 0
  }

  #create(room: string): { li: HTMLLIElement; button: HTMLButtonElement } {
    const button = el('button', { type: 'button', class: 'room-button' })
    button.addEventListener('click', () => this.#onOpen(room))
    const item = { li: el('li', {}, button), button }
    this.#items.set(room, item)
    return item
  }

  #fill(button: HTMLButtonElement, entry: RoomEntry, current: boolean): void {
    const unread = unreadOf(entry)
    const parts: (Node | string)[] = [el('span', { class: 'room-name' }, roomName(entry, this.#me))]
    if (unread > 0) parts.push(' ', el('span', { class: 'badge' }, this.#t('unread', { count: unread })))
    button.replaceChildren(...parts)
    if (current) button.setAttribute('aria-current', 'true')
    else button.removeAttribute('aria-current')
  }
}
