/**
 * A client of one room in a cluster test, as a well-behaved app would be: a real WebSocket
 * (`/ws/rooms/:roomId` or `/ws` with a `join`), every `message` seq it is shown kept in order
 * across its sockets, sends with ids it resends after a reconnect or an `unavailable` until
 * each is acked. When its socket closes without the test asking, it records the close and
 * reconnects to another live node with `since` = the last seq it saw.
 *
 * `verifyRoom` then checks the invariants of PROTOCOL.md section 8 against the stored history:
 * seq dense from 1, each sent text stored once, every ack naming its stored seq, and each
 * member's view exactly the room's order from where it joined, no gap, no duplicate.
 */
import type { Test } from 'tap'
import { Client, type Frame } from './client.ts'
import type { Cluster, ClusterNodeProcess, StoredMessage } from './cluster.ts'
import { until } from './cluster.ts'

export type Mode = 'room' | 'mux'

export interface Close {
  node: string
  code: number
  reason: string
}

export class Member {
  /** Every message seq shown to this member, in arrival order, over all its sockets. */
  readonly seqs: number[] = []
  readonly texts = new Map<number, string>()
  /** performance.now() of each message's arrival (benchmarks: the pauses a client sees). */
  readonly arrivals: number[] = []
  /** The first seq this member must see (its first welcome's seq + 1). */
  start = 0
  readonly closes: Close[] = []
  /** `left` frames on /ws (revocation, a room given up). */
  readonly lefts: Frame[] = []
  readonly errors: Frame[] = []
  readonly sent = new Map<string, string>()
  readonly acked = new Map<string, number>()
  /** When each id was first sent and when its ack came (Date.now), for reports. */
  readonly sentAt = new Map<string, number>()
  readonly ackedAt = new Map<string, number>()
  /** An id acked twice with different seqs: a duplicate store. */
  readonly ackConflicts: string[] = []
  duplicateAcks = 0
  reconnects = 0
  node!: ClusterNodeProcess
  client!: Client
  private counter = 0
  private stopped = false
  private readonly waiting = new Map<string, () => void>()
  private reconnecting: Promise<void> | undefined

  private readonly cluster: Cluster
  readonly user: string
  readonly room: string
  readonly mode: Mode
  private readonly pick: (avoid: string) => ClusterNodeProcess
  private constructor(
    cluster: Cluster,
    user: string,
    room: string,
    mode: Mode,
    /** Where to reconnect when the socket is lost: a live node other than `avoid`. */
    pick: (avoid: string) => ClusterNodeProcess,
  ) {
    this.cluster = cluster
    this.user = user
    this.room = room
    this.mode = mode
    this.pick = pick
  }

  static async join(
    cluster: Cluster,
    node: ClusterNodeProcess,
    opts: { user: string; room: string; mode?: Mode; pick?: (avoid: string) => ClusterNodeProcess },
  ): Promise<Member> {
    const pick = opts.pick ?? ((avoid: string) => anyLiveBut(cluster, avoid))
    const m = new Member(cluster, opts.user, opts.room, opts.mode ?? 'room', pick)
    await m.connect(node, undefined)
    return m
  }

  /** The last seq this member saw (start - 1 before any). */
  last(): number {
    return this.seqs.at(-1) ?? this.start - 1
  }

  get pending(): string[] {
    return [...this.sent.keys()].filter((id) => !this.acked.has(id))
  }

  private async connect(node: ClusterNodeProcess, since: number | undefined): Promise<void> {
    const token = await this.cluster.token(this.user)
    const room = encodeURIComponent(this.room)
    const url =
      this.mode === 'room'
        ? `${node.ws}/ws/rooms/${room}${since === undefined ? '' : `?since=${since}`}`
        : `${node.ws}/ws`
    const client = await Client.open(url, { token })
    let welcomed!: (refusal?: Frame) => void
    const welcome = new Promise<void>((resolve, reject) => {
      // A join refused on /ws (the room cannot be entered yet) leaves the socket open: retry.
      welcomed = (refusal) =>
        refusal ? reject(new Error(`join refused on ${node.id}: ${JSON.stringify(refusal)}`)) : resolve()
    })
    void welcome.catch(() => client.close())
    // Frames that came with the upgrade (the welcome) arrived before this line: replay them,
    // then follow the rest, in one synchronous step so none is missed or seen twice.
    for (const f of client.frames) this.onFrame(f, welcomed)
    client.ws.on('message', (data) => this.onFrame(JSON.parse(String(data)) as Frame, welcomed))
    void client.closed.then((c) => this.onClose(client, node, c))
    if (this.mode === 'mux') client.send({ type: 'join', room: this.room, ...(since === undefined ? {} : { since }) })
    await Promise.race([
      welcome,
      client.closed.then((c) => {
        throw new Error(`closed ${c.code} ${c.reason} before welcome on ${node.id}`)
      }),
      new Promise((_, reject) =>
        setTimeout(() => {
          const logs = node.lines.filter((l) => JSON.stringify(l).includes(this.user)).slice(-10)
          reject(
            new Error(
              `no welcome from ${node.id} for ${this.user} (${this.mode}) in ${this.room} within 20 s; frames ${JSON.stringify(client.frames.slice(-5))}; its log lines ${JSON.stringify(logs)}`,
            ),
          )
        }, 20_000).unref(),
      ),
    ])
    this.node = node
    this.client = client
  }

  private onFrame(f: Frame, welcomed: (refusal?: Frame) => void): void {
    if (this.mode === 'mux' && f.room !== undefined && f.room !== this.room) return
    switch (f.type) {
      case 'welcome':
        if (this.start === 0) this.start = (f.seq as number) + 1
        welcomed()
        return
      case 'message': {
        const m = f.message as { seq: number; text: string }
        this.seqs.push(m.seq)
        this.texts.set(m.seq, m.text)
        this.arrivals.push(performance.now())
        return
      }
      case 'ack': {
        const id = f.id as string
        const seq = f.seq as number
        const before = this.acked.get(id)
        if (before !== undefined) {
          this.duplicateAcks++
          if (before !== seq) this.ackConflicts.push(`${id}: ${before} then ${seq}`)
          return
        }
        this.acked.set(id, seq)
        this.ackedAt.set(id, Date.now())
        this.waiting.get(id)?.()
        this.waiting.delete(id)
        return
      }
      case 'error':
        this.errors.push({ ...f, node: this.node?.id, at: Date.now() })
        if (f.ref === undefined) welcomed(f) // no effect once welcomed
        // Nothing was stored: the app resends with the same id (PROTOCOL.md section 5).
        if ((f.code === 'unavailable' || f.code === 'rate_limited') && typeof f.ref === 'string') {
          const id = f.ref
          setTimeout(() => this.resend(id), typeof f.retryAfterMs === 'number' ? f.retryAfterMs : 100).unref()
        }
        return
      case 'left':
        this.lefts.push(f)
        return
    }
  }

  private onClose(client: Client, node: ClusterNodeProcess, c: { code: number; reason: string }): void {
    if (this.stopped || client !== this.client) return
    this.closes.push({ node: node.id, code: c.code, reason: c.reason })
    if (c.code === 4403) return // revoked: nothing to come back to
    this.reconnecting = this.reconnect(node.id)
  }

  /** Back on another live node with `since`, then every unacked send once more, same ids. */
  private async reconnect(avoid: string): Promise<void> {
    // Bounded, so a test whose cluster is gone does not keep its process alive.
    for (let attempt = 0; !this.stopped && attempt < 120; attempt++) {
      try {
        const node = this.pick(avoid)
        await this.connect(node, this.last())
        this.reconnects++
        for (const id of this.pending) this.resend(id)
        return
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * (attempt + 1))).unref())
      }
    }
  }

  private resend(id: string): void {
    const text = this.sent.get(id)
    if (text === undefined || this.acked.has(id) || this.stopped) return
    this.client.send({ type: 'send', id, text, ...(this.mode === 'mux' ? { room: this.room } : {}) })
  }

  /** Sends a new message; resolves with its seq once acked (after any resends). */
  send(): Promise<number> {
    const id = `${this.user}-${++this.counter}`
    const text = `${this.user} #${this.counter}`
    this.sent.set(id, text)
    this.sentAt.set(id, Date.now())
    const acked = new Promise<number>((resolve) => this.waiting.set(id, () => resolve(this.acked.get(id)!)))
    this.resend(id)
    return acked
  }

  /**
   * Sends until `stop()` says so, at most `inFlight` unacked at a time, `gapMs` between sends;
   * resolves once every send is acked.
   */
  async load(stop: () => boolean, opts: { inFlight?: number; gapMs?: number } = {}): Promise<void> {
    const inFlight = opts.inFlight ?? 2
    const flying = new Set<Promise<number>>()
    while (!stop() && !this.stopped) {
      if (flying.size >= inFlight) await Promise.race(flying)
      const p = this.send()
      flying.add(p)
      void p.then(() => flying.delete(p))
      await new Promise((resolve) => setTimeout(resolve, opts.gapMs ?? 20))
    }
    await Promise.all(flying)
  }

  /** The slowest send to ack: [id, ms, sent at]. */
  slowest(): [string, number, number] | undefined {
    let worst: [string, number, number] | undefined
    for (const [id, at] of this.sentAt) {
      const ms = (this.ackedAt.get(id) ?? Date.now()) - at
      if (!worst || ms > worst[1]) worst = [id, ms, at]
    }
    return worst
  }

  /** Waits until this member has seen seq `n` (and any reconnect in progress is done). */
  async caughtUp(n: number, timeoutMs = 30_000): Promise<void> {
    await until(
      `${this.user} on ${this.node.id} to see seq ${n} (at ${this.last()})`,
      () => (this.last() >= n ? true : undefined),
      timeoutMs,
    )
    await this.reconnecting
  }

  /** Stop reconnecting and sending, leaving the socket as it is (to die with its node). */
  abandon(): void {
    this.stopped = true
  }

  async close(): Promise<void> {
    this.stopped = true
    await this.client?.close()
  }
}

export function anyLiveBut(cluster: Cluster, avoid: string): ClusterNodeProcess {
  const live = cluster.live.filter((n) => n.id !== avoid)
  if (live.length === 0) throw new Error('no live node left')
  return live[Math.floor(Math.random() * live.length)]!
}

/**
 * The invariants, checked against the stored history read from `via`: returns it.
 * `members` are every client of the room in the test; `allowClosesOn` the nodes whose
 * clients may lose their socket (the node killed, drained or paused).
 */
export async function verifyRoom(
  t: Test,
  cluster: Cluster,
  room: string,
  members: Member[],
  opts: { via: ClusterNodeProcess; allowClosesOn?: string[] },
): Promise<StoredMessage[]> {
  // Every send acked before we look (a send stuck forever fails here, by the test timeout).
  const history = await cluster.history(room, opts.via)
  const n = history.length
  t.same(
    history.map((m) => m.seq),
    Array.from({ length: n }, (_, i) => i + 1),
    `${room}: seq dense 1..${n}`,
  )

  const byText = new Map<string, number[]>()
  for (const m of history) byText.set(m.text, [...(byText.get(m.text) ?? []), m.seq])
  const twice = [...byText].filter(([, seqs]) => seqs.length > 1)
  t.same(twice, [], `${room}: no message stored twice`)

  const sent = members.flatMap((m) => [...m.sent].map(([id, text]) => ({ m, id, text })))
  const unacked = sent.filter(({ m, id }) => !m.acked.has(id)).map(({ m, id }) => `${id}@${m.node.id}`)
  t.same(unacked, [], `${room}: every send acked`)
  const lost = sent.filter(({ m, id, text }) => m.acked.has(id) && history[m.acked.get(id)! - 1]?.text !== text)
  t.same(
    lost.map(({ id, m }) => `${id} acked as ${m.acked.get(id)}`),
    [],
    `${room}: 0 acked messages lost (each at its acked seq)`,
  )
  t.equal(n, sent.length, `${room}: stored exactly the ${sent.length} messages sent`)
  t.same(
    members.flatMap((m) => m.ackConflicts),
    [],
    `${room}: no id acked with two seqs`,
  )

  for (const m of members) {
    if (m.start === 0) continue
    await m.caughtUp(n).catch(() => undefined)
    const expected = Array.from({ length: n - m.start + 1 }, (_, i) => m.start + i)
    const same = m.seqs.length === expected.length && m.seqs.every((s, i) => s === expected[i])
    t.ok(
      same,
      `${room}: ${m.user} (${m.mode}, ${m.closes.length} reconnects) saw ${m.start}..${n} once each, in order`,
      same
        ? {}
        : {
            got: describeRuns(m.seqs),
            start: m.start,
          },
    )
    const wrong = m.seqs.filter((s) => m.texts.get(s) !== history[s - 1]?.text)
    t.same(wrong, [], `${room}: ${m.user} was shown the stored text for every seq`)
    const allowed = new Set(opts.allowClosesOn ?? [])
    const unexpected = m.closes.filter((c) => !allowed.has(c.node))
    t.same(
      unexpected,
      [],
      `${room}: ${m.user}'s socket stayed open (closes only on ${[...allowed].join(',') || 'no node'})`,
    )
    const badErrors = m.errors.filter((e) => e.code !== 'unavailable')
    t.same(badErrors, [], `${room}: ${m.user} got no error frames but unavailable`)
    if (!same || unexpected.length || badErrors.length)
      t.comment(`${m.user}: closes ${JSON.stringify(m.closes)}, errors ${JSON.stringify(m.errors.slice(0, 5))}`)
  }
  const resends = members.reduce((a, m) => a + m.errors.length, 0)
  if (resends) {
    const who = members
      .filter((m) => m.errors.length)
      .map((m) => `${m.user}: ${m.errors.map((e) => `${e.code} on ${String(e.node)}`).join(', ')}`)
    t.comment(`${room}: ${resends} send(s) answered unavailable and resent (${who.join(' | ')})`)
  }
  const dupAcks = members.reduce((a, m) => a + m.duplicateAcks, 0)
  if (dupAcks) t.comment(`${room}: ${dupAcks} duplicate ack(s) with the same seq`)
  return history
}

/** `1..40, 42..60, 41` for a failure message. */
function describeRuns(seqs: number[]): string {
  const runs: string[] = []
  let from = seqs[0]
  for (let i = 1; i <= seqs.length; i++) {
    if (seqs[i] !== seqs[i - 1]! + 1) {
      runs.push(from === seqs[i - 1] ? `${from}` : `${from}..${seqs[i - 1]}`)
      from = seqs[i]
    }
  }
  return runs.join(', ')
}

/**
 * Every member sends (`Member.load`) while `during` runs once `before` acks are in; the load
 * goes on until `after` more acks arrive, then stops and every send is acked.
 */
export async function underLoad(
  members: Member[],
  opts: { before: number; after: number; during: () => Promise<void>; inFlight?: number; gapMs?: number },
): Promise<void> {
  let stop = false
  const acks = () => members.reduce((a, m) => a + m.acked.size, 0)
  const loads = members.map((m) => m.load(() => stop, { inFlight: opts.inFlight ?? 2, gapMs: opts.gapMs ?? 40 }))
  try {
    await until(`${opts.before} acks before`, () => (acks() >= opts.before ? true : undefined), 60_000)
    await opts.during()
    const from = acks()
    await until(
      `${opts.after} acks after (from ${from})`,
      () => (acks() >= from + opts.after ? true : undefined),
      60_000,
    )
  } finally {
    stop = true
  }
  await Promise.all(loads)
}

/** Members on every node given: `perNode` on /ws/rooms/:roomId and one on /ws each. */
export async function membersOn(
  cluster: Cluster,
  nodes: ClusterNodeProcess[],
  room: string,
  perNode = 2,
): Promise<Member[]> {
  const out: Member[] = []
  for (const node of nodes) {
    for (let i = 0; i < perNode; i++)
      out.push(await Member.join(cluster, node, { user: `${room}-${node.id}-${i}`, room }))
    out.push(await Member.join(cluster, node, { user: `${room}-${node.id}-mux`, room, mode: 'mux' }))
  }
  return out
}

/** Who the room's owner has present: the presence list of a fresh observer's welcome, minus it. */
export async function presenceOf(
  cluster: Cluster,
  node: ClusterNodeProcess,
  room: string,
  observer = 'observer',
): Promise<string[]> {
  const c = await Client.open(`${node.ws}/ws/rooms/${encodeURIComponent(room)}`, {
    token: await cluster.token(observer),
  })
  const welcome = await c.take((f) => f.type === 'welcome')
  await c.close()
  return (welcome.presence as string[]).filter((u) => u !== observer).sort()
}
