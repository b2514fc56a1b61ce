/**
 * A stand-in for the slice of the Deno namespace the Deno adapter uses, to test it on Node:
 * `Deno.upgradeWebSocket` returns a scripted socket and records its options. Import it
 * before the adapter.
 */
export class FakeSocket {
  onopen: unknown = null
  onmessage: unknown = null
  onclose: unknown = null
  onerror: unknown = null
  binaryType = 'blob'
  readyState = 1
  bufferedAmount = 0
  sent: string[] = []
  closes: [number, string][] = []
  #closed: (() => void) | undefined
  closeCalled = new Promise<void>((resolve) => (this.#closed = resolve))
  send(text: string): void {
    this.sent.push(text)
  }
  close(code: number, reason: string): void {
    this.closes.push([code, reason])
    this.#closed?.()
  }
  fire(name: 'onopen' | 'onmessage' | 'onclose' | 'onerror', event: object = {}): void {
    ;(this[name] as (this: FakeSocket, e: object) => void).call(this, event)
  }
}

export const upgrades: { opts: { protocol?: string; idleTimeout: number }; socket: FakeSocket }[] = []
;(globalThis as unknown as { Deno: unknown }).Deno = {
  upgradeWebSocket(_req: Request, opts: { protocol?: string; idleTimeout: number }) {
    const socket = new FakeSocket()
    upgrades.push({ opts, socket })
    return { response: new Response(null), socket }
  },
}
