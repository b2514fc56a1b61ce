/**
 * A real WebSocket client (the `ws` package) for end-to-end tests. It keeps every frame it
 * receives; `take(predicate)` resolves with the first frame matching it that no earlier `take`
 * consumed, waiting for it if needed (event-driven; the timeout only bounds a broken test).
 */
import WebSocket from 'ws'

export type Frame = Record<string, unknown> & { type: string }
export type Pred = (f: Frame) => boolean

const defaultTimeout = 15_000

/** A predicate for frames of a type whose fields include `fields`. */
export function is(type: string, fields: Record<string, unknown> = {}): Pred {
  return (f) => f.type === type && Object.entries(fields).every(([k, v]) => JSON.stringify(f[k]) === JSON.stringify(v))
}

export interface Refusal {
  status: number
  body: { error: string; message: string }
}

export class Client {
  /** Every frame received, in order. */
  readonly frames: Frame[] = []
  readonly closed: Promise<{ code: number; reason: string }>
  readonly pings: number[] = []
  #queue: Frame[] = []
  #waiters: { pred: Pred; resolve: (f: Frame) => void }[] = []

  readonly ws: WebSocket
  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data, isBinary) => {
      if (isBinary) return
      const frame = JSON.parse(String(data)) as Frame
      this.frames.push(frame)
      const i = this.#waiters.findIndex((w) => w.pred(frame))
      if (i >= 0) this.#waiters.splice(i, 1)[0]!.resolve(frame)
      else this.#queue.push(frame)
    })
    ws.on('ping', () => this.pings.push(this.pings.length + 1))
    this.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })))
  }

  /** Opens a socket; rejects with a `Refusal` when the server answers with plain HTTP instead. */
  static open(
    url: string,
    opts: { token?: string; autoPong?: boolean; headers?: Record<string, string> } = {},
  ): Promise<Client> {
    const headers = { ...opts.headers, ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) }
    const ws = new WebSocket(url, { headers, autoPong: opts.autoPong ?? true })
    const client = new Client(ws)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client))
      ws.once('unexpected-response', (_req, res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk))
        res.on('end', () => {
          let parsed: Refusal['body']
          try {
            parsed = JSON.parse(body)
          } catch {
            parsed = { error: '(no JSON body)', message: body }
          }
          reject(
            Object.assign(new Error(`refused: ${res.statusCode} ${body}`), {
              status: res.statusCode ?? 0,
              body: parsed,
            }),
          )
        })
      })
      ws.once('error', reject)
    })
  }

  send(frame: Record<string, unknown> | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  }

  take(pred: Pred, timeoutMs = defaultTimeout): Promise<Frame> {
    const i = this.#queue.findIndex(pred)
    if (i >= 0) return Promise.resolve(this.#queue.splice(i, 1)[0]!)
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (f: Frame) => {
          clearTimeout(timer)
          resolve(f)
        },
      }
      const timer = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1)
        reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-10))}`))
      }, timeoutMs)
      this.#waiters.push(waiter)
    })
  }

  /** Frames received so far that match, consumed or not. */
  seen(pred: Pred): Frame[] {
    return this.frames.filter(pred)
  }

  /** A round trip through the session: every frame the server sent before the pong is here. */
  async sync(): Promise<void> {
    this.send({ type: 'ping' })
    await this.take(is('pong'))
  }

  async close(code = 1000): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return
    this.ws.close(code)
    await this.closed
  }

  /** Waits for the server to close the socket; rejects if it stays open past the timeout. */
  closedBy(timeoutMs = defaultTimeout): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('socket not closed by the server')), timeoutMs).unref(),
      ),
    ])
  }
}

/** Expects the upgrade to be refused with plain HTTP; resolves with status and JSON body. */
export async function refusal(url: string, opts: { token?: string } = {}): Promise<Refusal> {
  try {
    const c = await Client.open(url, opts)
    await c.close()
  } catch (err) {
    const e = err as Partial<Refusal>
    if (typeof e.status === 'number' && e.body) return { status: e.status, body: e.body }
    throw err
  }
  throw new Error(`expected ${url} to be refused, but it upgraded`)
}
