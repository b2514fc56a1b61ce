/**
 * A cluster of real guildhall processes for end-to-end tests and benchmarks: N children of
 * `node src/main.ts` (test/support/server.ts `startChild`), STORE=dynamodb on one
 * DynamoDB Local (test/support/dynamodb-local.ts: shared by every file of a tap run), with
 * tables of their own (one cluster per core table, so files never see each other's nodes).
 * Each node gets NODE_ID, a free INTERNAL_PORT and ADVERTISE_HOST=127.0.0.1.
 *
 * Waiting is by events: `until` re-asks an admin endpoint until the answer holds (membership
 * settles on heartbeats, which the tests do not control); its deadline only bounds a broken run.
 */
import { createServer } from 'node:net'
import type { Env } from '../../src/config.ts'
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local.ts'
import { startChild, type Child } from './server.ts'
import { adminToken, mint, testSecret } from './tokens.ts'

export interface ClusterNodeProcess extends Child {
  id: string
  internalPort: number
  pid: number
  /** Set once the test sent SIGKILL / SIGTERM / SIGSTOP. */
  fate?: 'killed' | 'draining' | 'paused'
}

export interface ClusterOptions {
  nodes: number
  /** CLUSTER_HEARTBEAT_MS / CLUSTER_LEASE_MS; short in tests so a failover takes seconds. */
  heartbeatMs?: number
  leaseMs?: number
  /** More environment for every node (limits, AUTO_CREATE_ROOMS...). */
  env?: Env
  /** Another DynamoDB Local than the run's shared one (a benchmark's private instance). */
  dynamo?: DynamoDbLocal
}

export interface ClusterView {
  node: string
  nodes: { id: string; address: string; rooms: number }[]
}

export interface RoomInfo {
  room: string
  owner: string
  epoch: number
  seq: number
}

export interface StoredMessage {
  id: string
  seq: number
  senderId: string
  text: string
  ts: number
}

/** Short heartbeats for tests: a dead node is noticed within about 1.5 s. */
export const testHeartbeatMs = 200
export const testLeaseMs = 1_500

const children = new Set<ClusterNodeProcess>()
// A test process that dies without its teardown must not leave nodes behind.
process.once('exit', () => {
  for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL')
})

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

/** Polls `probe` until it returns a value other than undefined; rejects past the deadline. */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

export class Cluster {
  /** Every node started, in order, dead or alive. */
  readonly all: ClusterNodeProcess[] = []
  private admin: Promise<string> | undefined

  readonly dynamo: DynamoDbLocal
  readonly tables: { core: string; guild: string }
  private readonly opts: ClusterOptions
  private readonly ownsDynamo: boolean
  private constructor(
    dynamo: DynamoDbLocal,
    tables: { core: string; guild: string },
    opts: ClusterOptions,
    ownsDynamo: boolean,
  ) {
    this.dynamo = dynamo
    this.tables = tables
    this.opts = opts
    this.ownsDynamo = ownsDynamo
  }

  static async start(opts: ClusterOptions): Promise<Cluster> {
    const dynamo = opts.dynamo ?? (await startDynamoDbLocal())
    const suffix = Math.random().toString(36).slice(2, 8)
    const cluster = new Cluster(
      dynamo,
      { core: `gg_core_cl_${suffix}`, guild: `gg_guild_cl_${suffix}` },
      opts,
      !opts.dynamo,
    )
    // The first node creates the tables; the others start once they exist.
    await cluster.add()
    await Promise.all(Array.from({ length: opts.nodes - 1 }, () => cluster.add()))
    await cluster.settled()
    return cluster
  }

  /** Nodes not killed, draining or paused by the test. */
  get live(): ClusterNodeProcess[] {
    return this.all.filter((n) => n.fate === undefined)
  }

  node(id: string): ClusterNodeProcess {
    const n = this.all.find((x) => x.id === id)
    if (!n) throw new Error(`no node ${id}`)
    return n
  }

  /** Starts one more node (`n<k>`); resolves once it listens (it joined the cluster first). */
  async add(
    id = `n${this.all.length + 1}`,
    more: { env?: Env; runtime?: 'node' | 'deno' } = {},
  ): Promise<ClusterNodeProcess> {
    const placeholder = { id } as ClusterNodeProcess
    this.all.push(placeholder) // reserve the id (and its place in `all`) before any await
    const internalPort = await freePort()
    const env: Env = {
      STORE: 'dynamodb',
      DYNAMODB_ENDPOINT: this.dynamo.endpoint,
      CREATE_TABLES: 'true',
      AUTO_CREATE_ROOMS: 'true',
      CORE_TABLE: this.tables.core,
      GUILD_TABLE: this.tables.guild,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      NODE_ID: id,
      INTERNAL_PORT: String(internalPort),
      ADVERTISE_HOST: '127.0.0.1',
      CLUSTER_HEARTBEAT_MS: String(this.opts.heartbeatMs ?? testHeartbeatMs),
      CLUSTER_LEASE_MS: String(this.opts.leaseMs ?? testLeaseMs),
      // The tests' users send faster than one person types (the limit has its own tests).
      LIMIT_SEND_BURST: '1000',
      LIMIT_SEND_PER_SECOND: '1000',
      ...this.opts.env,
      ...more.env,
    }
    const child = await startChild({ runtime: more.runtime ?? 'node', env })
    const node = Object.assign(child, { id, internalPort, pid: child.child.pid! })
    this.all[this.all.indexOf(placeholder)] = node
    children.add(node)
    return node
  }

  /** SIGKILL, SIGTERM (drain) or SIGSTOP; SIGCONT brings a paused node back. */
  signal(id: string, sig: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT'): ClusterNodeProcess {
    const node = this.node(id)
    node.fate = sig === 'SIGKILL' ? 'killed' : sig === 'SIGTERM' ? 'draining' : sig === 'SIGSTOP' ? 'paused' : undefined
    node.child.kill(sig)
    return node
  }

  adminToken(): Promise<string> {
    this.admin ??= adminToken()
    return this.admin
  }

  token(sub: string): Promise<string> {
    return mint({ sub, secret: testSecret })
  }

  async get<T>(node: ClusterNodeProcess, path: string): Promise<T> {
    const res = await fetch(`${node.http}${path}`, {
      headers: { authorization: `Bearer ${await this.adminToken()}` },
      signal: AbortSignal.timeout(10_000),
    })
    if (!res.ok) throw new Error(`GET ${path} on ${node.id}: ${res.status} ${await res.text()}`)
    return (await res.json()) as T
  }

  async request(node: ClusterNodeProcess, method: string, path: string, body?: unknown): Promise<number> {
    const res = await fetch(`${node.http}${path}`, {
      method,
      headers: { authorization: `Bearer ${await this.adminToken()}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
    await res.arrayBuffer()
    return res.status
  }

  view(node: ClusterNodeProcess): Promise<ClusterView> {
    return this.get<ClusterView>(node, '/admin/cluster')
  }

  roomInfo(node: ClusterNodeProcess, roomId: string): Promise<RoomInfo> {
    return this.get<RoomInfo>(node, `/admin/rooms/${encodeURIComponent(roomId)}`)
  }

  /**
   * Waits until every node in `on` (default: the live ones) lists exactly `ids` (default: the
   * live ones) in /admin/cluster, with the same addresses. Resolves with the views.
   */
  settled(ids = this.live.map((n) => n.id), on = this.live, timeoutMs = 30_000): Promise<ClusterView[]> {
    const want = [...ids].sort().join(',')
    return until(
      `membership ${want} on ${on.map((n) => n.id).join(',')}`,
      async () => {
        const views = await Promise.all(on.map((n) => this.view(n)))
        const sameIds = views.every(
          (v) =>
            v.nodes
              .map((x) => x.id)
              .sort()
              .join(',') === want,
        )
        const addresses = (v: ClusterView) =>
          v.nodes
            .map((x) => `${x.id}@${x.address}`)
            .sort()
            .join(',')
        return sameIds && views.every((v) => addresses(v) === addresses(views[0]!)) ? views : undefined
      },
      timeoutMs,
    )
  }

  /** The owner every node in `on` names for the room (waits until they agree). */
  owner(roomId: string, on = this.live): Promise<string> {
    return until(`one owner of ${roomId}`, async () => {
      const infos = await Promise.all(on.map((n) => this.roomInfo(n, roomId)))
      return infos.every((i) => i.owner === infos[0]!.owner) ? infos[0]!.owner : undefined
    })
  }

  /** The room's whole stored history, oldest first, read page by page from `via`. */
  async history(roomId: string, via: ClusterNodeProcess, user = 'auditor'): Promise<StoredMessage[]> {
    const token = await this.token(user)
    const out: StoredMessage[] = []
    for (;;) {
      const after = out.at(-1)?.seq ?? 0
      const res = await fetch(`${via.http}/rooms/${encodeURIComponent(roomId)}/messages?after=${after}&limit=100`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(10_000),
      })
      if (!res.ok) throw new Error(`history of ${roomId} on ${via.id}: ${res.status} ${await res.text()}`)
      const page = (await res.json()) as { messages: StoredMessage[]; more: boolean }
      out.push(...page.messages)
      if (!page.more || page.messages.length === 0) return out
    }
  }

  /** Every node's log lines of one event (for reports when a check fails). */
  logs(event: string): { node: string; line: Record<string, unknown> }[] {
    return this.all.flatMap((n) =>
      (n.lines ?? []).filter((l) => l.event === event).map((line) => ({ node: n.id, line })),
    )
  }

  /** SIGKILL every node still running (paused ones too) and wait for their exits. */
  async stop(): Promise<void> {
    await Promise.all(
      this.all.map(async (n) => {
        if (!n.child) return
        children.delete(n)
        if (n.child.exitCode === null && n.child.signalCode === null) n.child.kill('SIGKILL')
        await n.exited
      }),
    )
    if (this.ownsDynamo && !this.opts.dynamo) await this.dynamo.stop()
  }
}
