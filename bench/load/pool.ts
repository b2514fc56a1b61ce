/**
 * The load generator seen from the harness: a few worker threads sharing the clients of a
 * scenario. Connections and send rates are split evenly; snapshots are summed.
 */
import { Worker } from 'node:worker_threads'
import type { ClientKind } from '../targets/types.ts'
import type { Command, ConnSpec, ConnectReport, Reply, Snapshot } from './messages.ts'

/** Source addresses for client sockets, so 10,000+ connections do not exhaust one address's ephemeral ports. */
const LOCAL_ADDRESSES = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']

/** Node strips the worker's types itself (Node 24), so the worker loads from its file. */
const WORKER = new URL('./worker.ts', import.meta.url)

export class LoadPool {
  private readonly workers: Worker[]
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>()
  private nextId = 0

  constructor(size: number) {
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(WORKER)
      w.on('message', (r: Reply) => {
        this.pending.get(r.id)?.resolve(r)
        this.pending.delete(r.id)
      })
      w.on('error', (err) => this.failAll(new Error(`load worker error: ${err.message}`)))
      w.on('exit', () => this.failAll(new Error('load worker exited')))
      return w
    })
  }

  get size(): number {
    return this.workers.length
  }

  private dead: Error | undefined

  private failAll(err: Error): void {
    this.dead ??= err
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }

  private ask(w: Worker, cmd: Command): Promise<Reply> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      if (this.dead) return reject(this.dead)
      this.pending.set(id, { resolve, reject })
      w.postMessage({ id, cmd })
    })
  }

  private all(cmds: (i: number) => Command): Promise<Reply[]> {
    return Promise.all(this.workers.map((w, i) => this.ask(w, cmds(i))))
  }

  /** Opens all connections; spec i goes to worker i % size, so a room spans workers. */
  async connect(kind: ClientKind, base: string, specs: ConnSpec[], concurrency: number): Promise<ConnectReport> {
    const replies = await this.all((i) => ({
      op: 'connect',
      kind,
      base,
      localAddresses: LOCAL_ADDRESSES,
      specs: specs.filter((_, j) => j % this.size === i),
      concurrency: Math.ceil(concurrency / this.size),
    }))
    const total: ConnectReport = { opened: 0, failed: 0, latenciesMs: [] }
    for (const r of replies) {
      const c = r.result as ConnectReport
      total.opened += c.opened
      total.failed += c.failed
      total.firstError ??= c.firstError
      for (const l of c.latenciesMs) total.latenciesMs.push(l)
    }
    return total
  }

  /** Offered rate in sends/s over `senders` connections, split evenly over the workers. */
  async setRate(perSec: number, senders: number): Promise<void> {
    await this.all(() => ({ op: 'rate', perSec: perSec / this.size, senders: Math.ceil(senders / this.size) }))
  }

  async sampleEvery(n: number): Promise<void> {
    await this.all(() => ({ op: 'sampleEvery', n }))
  }

  async snapshot(): Promise<Snapshot> {
    const replies = await this.all(() => ({ op: 'snapshot' }))
    const total: Snapshot = { delivered: 0, acks: 0, errors: 0, sent: 0, lagged: 0, dropped: 0, samplesMs: [] }
    for (const r of replies) {
      const s = r.result as Snapshot
      total.delivered += s.delivered
      total.acks += s.acks
      total.errors += s.errors
      total.sent += s.sent
      total.lagged += s.lagged
      total.dropped += s.dropped
      total.firstError ??= s.firstError
      for (const l of s.samplesMs) total.samplesMs.push(l)
    }
    return total
  }

  async closeAll(): Promise<void> {
    await this.all(() => ({ op: 'closeAll' }))
  }

  async destroy(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}
