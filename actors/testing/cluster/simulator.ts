/**
 * The cluster simulator (docs/cluster.md "The simulator"): several nodes, each a real
 * `ActorHost` and `ClusterNode`, on one virtual clock, sharing one `MemoryStore` and one lease
 * table through seeded delays and failures, linked by an in-memory network with seeded delays
 * and partitions; virtual users connect to any node and behave as correct clients; a seeded
 * schedule crashes, pauses, partitions, drains and adds nodes and makes the store slow or
 * failing. After the faults the run heals, lets time run until every client has settled, and
 * checks the invariants (invariants.ts). Same seed, same run: nothing here reads real time or
 * draws real randomness, and every timer and promise runs in an order decided by the seed.
 *
 *   const result = await simulate({ seed: 42 })
 *   result.violations   // [] when every invariant held
 *   result.replay       // how to run this seed again
 */
import { ClusterNode } from '../../cluster/cluster-node.ts'
import type { LinkTransport } from '../../cluster/ports.ts'
import { Admin } from '../../admin.ts'
import { ActorHost } from '../../host.ts'
import type { Limits } from '../../limits.ts'
import type { Logger } from '../../ports.ts'
import type { Store } from '../../store.ts'
import { MemoryLeaseStore } from '../memory-leases.ts'
import { MemoryStore } from '../memory-store.ts'
import { GatedTransport } from './gated-link.ts'
import { MemoryNetwork } from './memory-link.ts'
import { checkInvariants, type Violation } from './invariants.ts'
import { Ledger } from './ledger.ts'
import { Rng } from './random.ts'
import { SimUser, type ClientWorld, type SimSocket } from './sim-client.ts'
import { NodeClock, NodeGate, SimClock } from './sim-clock.ts'
import { calmWeather, remote, SharedBackend, type StoreWeather } from './sim-store.ts'

/** The in-memory network the nodes' links run over (actors/testing/cluster/memory-link.ts). */
export interface SimNetwork {
  /** The link endpoint of a node (a new one for each incarnation). */
  transport(node: string, address: string): LinkTransport
  /** No link between `a` and `b` until healed: open ones drop, new ones fail. */
  partition(a: string, b: string): void
  /** Every partition healed. */
  healAll(): void
  /** kill -9: the node's links are cut (its peers see them close), nothing reaches it. */
  crash(node: string): void
  /** The node id may link again (a new incarnation). */
  restart(node: string): void
}

/**
 * Ways to break the system on purpose, to prove the checks are not vacuous: a store that
 * ignores fences, a store that loses some acknowledged writes, a client connection that gets
 * some message twice (as a session without its dedupe by seq would deliver it), revocations
 * applied only on the node that made them (never announced to the others).
 */
export type Mutant = 'ignore-fence' | 'lose-writes' | 'duplicate-delivery' | 'local-revocations'

export interface SimOptions {
  seed: number
  /** Nodes at the start (default 3..5 by seed). */
  nodes?: number
  /** Virtual users (default 6..10 by seed). */
  users?: number
  /** Rooms the users share (default 3..6 by seed). */
  rooms?: number
  /** Virtual ms of traffic and faults before the run heals (default 50 s). */
  activeMs?: number
  /** Virtual ms the healed run may take to settle (default 120 s). */
  settleMs?: number
  /** Inject faults (default true). */
  faults?: boolean
  heartbeatMs?: number
  leaseMs?: number
  limits?: Partial<Limits>
  mutant?: Mutant
  /** The network; default: the memory network seeded from the run. */
  network?: (clock: SimClock, rng: Rng) => SimNetwork
  /** Clients sometimes join a room they are in again with an older `since` (default true). */
  rewinds?: boolean
}

export interface SimResult {
  seed: number
  violations: Violation[]
  /** Every client settled after the run healed (else liveness checks are skipped and `did_not_settle` reported). */
  settled: boolean
  stats: SimStats
  /** The run's event log (nodes and clients), oldest first. */
  log: string[]
  /** The command that replays this seed. */
  replay: string
}

export interface SimStats {
  virtualMs: number
  steps: number
  messages: number
  acked: number
  faults: string[]
  incarnations: number
}

type NodeState = 'starting' | 'up' | 'draining' | 'gone'

/** One incarnation of a node: a process with its host, its cluster node, its gate. */
class SimNode {
  state: NodeState = 'starting'
  readonly sockets = new Set<SimSocket>()
  readonly id: string
  readonly incarnation: number
  readonly gate: NodeGate
  readonly host: ActorHost
  readonly cluster: ClusterNode
  readonly transport: GatedTransport
  readonly store: Store
  constructor(
    id: string,
    incarnation: number,
    gate: NodeGate,
    host: ActorHost,
    cluster: ClusterNode,
    transport: GatedTransport,
    store: Store,
  ) {
    this.id = id
    this.incarnation = incarnation
    this.gate = gate
    this.host = host
    this.cluster = cluster
    this.transport = transport
    this.store = store
  }

  get name(): string {
    return `${this.id}#${this.incarnation}`
  }
}

const defaultSettleMs = 120_000

export async function simulate(opts: SimOptions): Promise<SimResult> {
  const sim = new Simulation(opts)
  return sim.run()
}

class Simulation implements ClientWorld {
  readonly clock = new SimClock(1_700_000_000_000)
  sending = true
  private readonly rng: Rng
  private readonly faultRng: Rng
  private readonly storeRng: Rng
  private readonly ledger = new Ledger()
  private readonly shared = new MemoryStore()
  private readonly leaseTable = new MemoryLeaseStore()
  private readonly backend: SharedBackend
  private readonly network: SimNetwork
  private readonly nodes: SimNode[] = []
  private readonly users: SimUser[] = []
  private readonly rooms: string[]
  private readonly online: Violation[] = []
  private readonly lines: string[] = []
  private readonly faults: string[] = []
  /** Store weather for every node, and per node where a fault overrides it. */
  private weather: StoreWeather = calmWeather
  private readonly nodeWeather = new Map<string, StoreWeather>()
  private nextNodeNumber = 0
  private incarnations = 0
  private steps = 0
  private healed = false
  private readonly limits: Partial<Limits>
  /** Sessions in a move (`room_lost` logged, no `room_reentered` or `room_move_gave_up` yet): node|user|room. */
  private readonly moving = new Set<string>()
  /** Revocations an admin call completed. */
  private readonly revocations: Array<{ user: string; room: string }> = []

  private readonly opts: SimOptions
  constructor(opts: SimOptions) {
    this.opts = opts
    const root = new Rng(opts.seed)
    this.rng = root.fork('world')
    this.faultRng = root.fork('faults')
    this.storeRng = root.fork('store')
    this.backend = new SharedBackend(this.clock, this.ledger)
    this.network = (opts.network ?? defaultNetwork)(this.clock, root.fork('network'))
    const roomCount = opts.rooms ?? this.rng.int(3, 6)
    // Some runs cap node links tightly, so that owners cut links as too slow (the gateway
    // enters its rooms again with since) and drop typing past the soft cap.
    const tight = this.rng.chance(0.3) ? { linkSoftBytes: 300, linkHardBytes: 8_000 } : {}
    this.limits = { ...tight, ...opts.limits }
    this.rooms = Array.from({ length: roomCount }, (_, i) => `room-${i}`)
    // One private room: its members may be revoked (by an admin on any node) during the run.
    this.rooms.push('private-0')
  }

  // --- the run ---------------------------------------------------------------------------------

  async run(): Promise<SimResult> {
    const { seed } = this.opts
    const activeMs = this.opts.activeMs ?? 50_000
    const start = this.clock.now()
    const nodeCount = this.opts.nodes ?? this.rng.int(3, 5)
    for (let i = 0; i < nodeCount; i++) this.startNode(this.newNodeId())
    await this.runFor(3_000) // every node up and seeing the others
    await this.shared.putRoom({ roomId: 'private-0', visibility: 'private' })
    const userCount = this.opts.users ?? this.rng.int(6, 10)
    for (let i = 0; i < userCount; i++) await this.addUser(i)
    if (this.opts.faults ?? true) this.scheduleFaults(activeMs)
    await this.runFor(activeMs)
    this.heal()
    const settled = await this.settle(this.opts.settleMs ?? defaultSettleMs)
    await this.runFor(3_000) // the last broadcasts reach every client
    for (const user of this.users) user.stop()
    const violations = [...this.online]
    if (!settled) {
      const stuck = this.users.filter((u) => !u.settled).map((u) => u.describe())
      const moves = [...this.moving].map((m) => `move ${m}`)
      violations.push({
        kind: 'did_not_settle',
        detail: `after healing, still waiting: ${[...stuck, ...moves].join('; ')}`,
      })
    }
    violations.push(...this.checkRevocations())
    violations.push(
      ...(await checkInvariants({
        ledger: this.ledger.entries,
        store: this.shared,
        rooms: this.rooms,
        users: this.users,
        settled,
      })),
    )
    let messages = 0
    for (const room of this.rooms) messages += (await this.shared.readPage(room, { limit: 1 })).messages[0]?.seq ?? 0
    return {
      seed,
      violations,
      settled,
      stats: {
        virtualMs: this.clock.now() - start,
        steps: this.steps,
        messages,
        acked: this.users.reduce((n, u) => n + u.acked.size, 0),
        faults: this.faults,
        incarnations: this.incarnations,
      },
      log: this.lines,
      replay: `SIM_SEED=${seed} npx tap test/sim/cluster.test.ts`,
    }
  }

  /** Lets virtual time run `ms`, firing every timer in order, each once everything before it has run. */
  private async runFor(ms: number): Promise<void> {
    const until = this.clock.now() + ms
    for (;;) {
      await drain()
      if (!this.clock.step(until)) break
      if (++this.steps > 3_000_000) throw new Error(`seed ${this.opts.seed}: runaway simulation (3M steps)`)
    }
    this.clock.set(until)
  }

  /** After the faults: runs until every client has settled, for at most `ms`. */
  private async settle(ms: number): Promise<boolean> {
    const deadline = this.clock.now() + ms
    const settled = (): boolean => this.moving.size === 0 && this.users.every((u) => u.settled)
    while (this.clock.now() < deadline) {
      if (settled()) return true
      await this.runFor(1_000)
    }
    return settled()
  }

  // --- ClientWorld -----------------------------------------------------------------------------

  connect(socket: SimSocket): boolean {
    const up = this.nodes.filter((n) => n.state === 'up' && !n.gate.isCrashed)
    if (up.length === 0) return false
    const node = this.rng.pick(up)
    socket.node = node.name
    socket.deliver = (fn) => node.gate.run(fn)
    node.sockets.add(socket)
    const user = { id: socket.user.id }
    const room = socket.room
    const host = node.host
    const since = room === undefined ? undefined : socket.user.since(room)
    socket.since = since
    socket.deliver(() => {
      if (socket.closed) return
      if (room === undefined) {
        socket.session = host.openSession({ user, socket })
        return
      }
      // A room socket: the access check comes first, as at the HTTP upgrade.
      const epoch = host.revocationEpoch
      host.authorizeOrCreate(room, user.id).then(
        (access) => {
          if (socket.closed) return
          if (!access.ok) return socket.close(1013, `upgrade refused: ${access.code}`)
          socket.session = host.openSession({
            user,
            socket,
            room: { roomId: room, epoch, ...(since === undefined ? {} : { since }) },
          })
        },
        (err: unknown) => socket.close(1011, String(err)),
      )
    })
    return true
  }

  violation(kind: string, detail: string): void {
    this.online.push({ kind, detail: `${detail} (t=${this.t()})` })
  }

  log(line: string): void {
    this.lines.push(`${this.t()} ${line}`)
  }

  private t(): string {
    return `+${this.clock.now() - 1_700_000_000_000}ms`
  }

  // --- nodes -----------------------------------------------------------------------------------

  private newNodeId(): string {
    return `n${this.nextNodeNumber++}`
  }

  private startNode(id: string): SimNode {
    const incarnation = ++this.incarnations
    const gate = new NodeGate(this.clock)
    const clock = new NodeClock(this.clock, gate, this.rng.int(-300_000, 300_000))
    const weather = (): StoreWeather => this.nodeWeather.get(id) ?? this.weather
    const remoteOpts = {
      backend: this.backend,
      node: id,
      gate,
      rng: this.storeRng.fork(`${id}#${incarnation}`),
      weather,
    }
    const mutant = this.opts.mutant
    const store = remote<Store>(this.shared, {
      ...remoteOpts,
      ...(mutant === 'ignore-fence' || mutant === 'lose-writes' ? { mutant } : {}),
    })
    const leases = remote(this.leaseTable, remoteOpts)
    const name = `${id}#${incarnation}`
    const logger = this.logger(name)
    this.network.restart(id)
    const transport = new GatedTransport(this.network.transport(id, `${id}:8788`), gate)
    const cluster = new ClusterNode({
      node: id,
      address: `${id}:8788`,
      leases,
      transport,
      clock,
      monotonic: clock.monotonic,
      logger,
      heartbeatMs: this.opts.heartbeatMs ?? 2_000,
      leaseMs: this.opts.leaseMs ?? 10_000,
    })
    let ids = 0
    const host = new ActorHost({
      store,
      clock,
      logger,
      autoCreateRooms: true,
      newId: () => `${name}.m${++ids}`,
      cluster,
      limits: this.limits,
    })
    const node = new SimNode(id, incarnation, gate, host, cluster, transport, store)
    this.nodes.push(node)
    this.log(`${name} starting`)
    gate.run(() => {
      cluster.start(host).then(
        () => {
          if (node.state === 'starting') node.state = 'up'
        },
        (err: unknown) => {
          // As a real process would: it exits; the next incarnation may try again.
          this.log(`${name} failed to start: ${String(err)}`)
          this.crash(node)
          if (!this.healed || this.liveNodes().length === 0) this.restartLater(id, 500)
        },
      )
    })
    return node
  }

  private logger(name: string): Logger {
    const line = (level: string) => (event: string, fields?: Record<string, unknown>) => {
      this.log(`${name} ${level} ${event}${fields ? ` ${JSON.stringify(fields)}` : ''}`)
      // Moves are invisible to clients: the run has not settled while a session is in one.
      if (event === 'room_lost') this.moving.add(`${name}|${String(fields?.user)}|${String(fields?.room)}`)
      if (event === 'room_reentered' || event === 'room_move_gave_up')
        this.moving.delete(`${name}|${String(fields?.user)}|${String(fields?.room)}`)
    }
    return { info: line('info'), warn: line('warn'), error: line('error') }
  }

  /** A session is gone (its socket closed, or it left the room): its move, if any, with it. */
  forgetMoves(node: string | undefined, user: string, rooms: readonly string[]): void {
    for (const key of [...this.moving]) {
      const [n, u, r] = key.split('|')
      if ((node === undefined || n === node) && u === user && rooms.includes(r!)) this.moving.delete(key)
    }
  }

  private liveNodes(): SimNode[] {
    return this.nodes.filter((n) => n.state !== 'gone')
  }

  /** kill -9: nothing of the process runs again; its links drop; its clients' sockets die. */
  private crash(node: SimNode): void {
    if (node.state === 'gone') return
    node.state = 'gone'
    node.gate.crash()
    this.network.crash(node.id)
    for (const key of [...this.moving]) if (key.startsWith(`${node.name}|`)) this.moving.delete(key)
    for (const socket of node.sockets) socket.lostNode()
    node.sockets.clear()
    this.log(`${node.name} crashed`)
  }

  /** SIGTERM: leave the cluster, hand the rooms off, close the sockets, exit. */
  private drainNode(node: SimNode): void {
    if (node.state !== 'up') return
    node.state = 'draining'
    this.log(`${node.name} draining`)
    node.gate.run(() => {
      void (async () => {
        await node.cluster.leave()
        await node.host.drain()
        await node.cluster.close()
      })().then(
        () => {
          this.log(`${node.name} drained`)
          this.crash(node)
        },
        (err: unknown) => {
          this.log(`${node.name} drain failed: ${String(err)}`)
          this.crash(node)
        },
      )
    })
  }

  private restartLater(id: string, ms: number): void {
    this.clock.at(this.clock.now() + ms, () => {
      if (this.nodes.some((n) => n.id === id && n.state !== 'gone')) return
      this.startNode(id)
    })
  }

  // --- users -----------------------------------------------------------------------------------

  private async addUser(i: number): Promise<void> {
    const rng = this.rng.fork(`user${i}`)
    const mode = rng.chance(0.5) ? 'ws' : 'bound'
    const count = rng.int(1, Math.min(3, this.rooms.length))
    const rooms: string[] = []
    while (rooms.length < count) {
      const room = rng.pick(this.rooms)
      if (!rooms.includes(room)) rooms.push(room)
    }
    const user = new SimUser(
      `u${i}`,
      mode,
      rooms,
      this,
      rng,
      this.opts.mutant === 'duplicate-delivery',
      this.opts.rewinds ?? true,
    )
    this.users.push(user)
    if (rooms.includes('private-0')) {
      await this.shared.putRoomMember('private-0', user.id)
      user.private.add('private-0')
    }
    // Users arrive over the first seconds.
    this.clock.at(this.clock.now() + rng.int(0, 3_000), () => user.start())
  }

  // --- faults ----------------------------------------------------------------------------------

  private scheduleFaults(activeMs: number): void {
    const rng = this.faultRng
    const count = rng.int(4, 12)
    const kinds = [
      'crash',
      'crash',
      'pause',
      'pause',
      'partition',
      'partition',
      'slow',
      'failing',
      'failing',
      'isolate',
      'join',
      'drain',
      'revoke',
    ] as const
    for (let i = 0; i < count; i++) {
      const at = this.clock.now() + rng.int(1_000, activeMs - 2_000)
      const kind = rng.pick(kinds)
      this.clock.at(at, () => {
        if (!this.healed) this.fault(kind)
      })
    }
  }

  private fault(kind: string): void {
    const rng = this.faultRng
    const live = this.liveNodes()
    const up = live.filter((n) => n.state === 'up' && !n.gate.isPaused)
    const note = (what: string): void => {
      this.faults.push(`${this.t()} ${what}`)
      this.log(`FAULT ${what}`)
    }
    switch (kind) {
      case 'crash': {
        if (live.length < 2) return
        const node = rng.pick(live)
        note(`crash ${node.name}`)
        this.crash(node)
        if (rng.chance(0.7)) this.restartLater(rng.chance(0.5) ? node.id : this.newNodeId(), rng.int(500, 15_000))
        return
      }
      case 'pause': {
        if (up.length < 2) return
        const node = rng.pick(up)
        // Half of the pauses outlast the lease: the others take the rooms, the node must not write.
        const ms = rng.chance(0.5) ? rng.int(500, 8_000) : rng.int(11_000, 30_000)
        note(`pause ${node.name} for ${ms} ms`)
        node.gate.pause()
        this.clock.at(this.clock.now() + ms, () => {
          this.log(`${node.name} resumes`)
          node.gate.resume()
        })
        return
      }
      case 'partition': {
        if (live.length < 2) return
        const a = rng.pick(live)
        const b = rng.pick(live.filter((n) => n !== a))
        const ms = rng.int(1_000, 20_000)
        note(`partition ${a.id} | ${b.id} for ${ms} ms`)
        this.network.partition(a.id, b.id)
        this.clock.at(this.clock.now() + ms, () => {
          this.log('partitions healed')
          this.network.healAll()
        })
        return
      }
      case 'slow':
      case 'failing':
      case 'isolate': {
        // `isolate`: one node cannot reach the store at all (its lease lapses while it runs).
        const target =
          kind !== 'isolate' && (rng.chance(0.5) || live.length === 0)
            ? undefined
            : live.length > 0
              ? rng.pick(live).id
              : undefined
        const ms = kind === 'isolate' ? rng.int(5_000, 20_000) : rng.int(2_000, 10_000)
        const weather: StoreWeather =
          kind === 'slow'
            ? {
                latency: [100, rng.chance(0.3) ? rng.int(5_000, 12_000) : rng.int(500, 4_000)],
                failBefore: 0,
                failAfter: 0,
              }
            : kind === 'isolate'
              ? { latency: calmWeather.latency, failBefore: 1, failAfter: 0 }
              : { latency: calmWeather.latency, failBefore: rng.int(5, 30) / 100, failAfter: rng.int(5, 20) / 100 }
        note(`store ${kind} for ${target ?? 'every node'} for ${ms} ms: ${JSON.stringify(weather)}`)
        if (target === undefined) this.weather = weather
        else this.nodeWeather.set(target, weather)
        this.clock.at(this.clock.now() + ms, () => {
          if (target === undefined) this.weather = calmWeather
          else this.nodeWeather.delete(target)
        })
        return
      }
      case 'join': {
        if (live.length >= 5) return
        const id = this.newNodeId()
        note(`join ${id}`)
        this.startNode(id)
        return
      }
      case 'revoke': {
        const members = this.users.filter(
          (u) => u.private.has('private-0') && !this.revocations.some((r) => r.user === u.id),
        )
        if (members.length === 0 || up.length === 0) return
        const user = rng.pick(members)
        note(`revoke ${user.id} from private-0`)
        this.revokeLater(user.id, 'private-0', 0)
        return
      }
      case 'drain': {
        if (up.length < 2) return
        const node = rng.pick(up)
        note(`drain ${node.name}`)
        this.drainNode(node)
        if (rng.chance(0.5)) this.restartLater(this.newNodeId(), rng.int(1_000, 5_000))
        return
      }
    }
  }

  /**
   * An admin removes the member on some live node (`DELETE .../members/:userId`); a failed
   * call is retried, as an admin tool would, until one succeeds.
   */
  private revokeLater(user: string, room: string, ms: number): void {
    this.clock.at(this.clock.now() + ms, () => {
      const up = this.nodes.filter((n) => n.state === 'up' && !n.gate.isCrashed)
      if (up.length === 0) return this.revokeLater(user, room, 500)
      const node = this.faultRng.pick(up)
      node.gate.run(() => {
        const revoke =
          this.opts.mutant === 'local-revocations'
            ? node.store.deleteRoomMember(room, user).then(() => node.host.revoke(room, user, { announce: false }))
            : new Admin(node.host, node.store).deleteRoomMember(room, user)
        revoke.then(
          () => {
            this.log(`${node.name} revoked ${user} from ${room}`)
            this.revocations.push({ user, room })
          },
          (err: unknown) => {
            this.log(`${node.name} revocation of ${user} failed: ${String(err)}`)
            this.revokeLater(user, room, 500)
          },
        )
      })
    })
  }

  /** Revoked members: their client was told, and no node still has them in the room. */
  private checkRevocations(): Violation[] {
    const out: Violation[] = []
    for (const { user, room } of this.revocations) {
      const client = this.users.find((u) => u.id === user)!
      if (!client.views.get(room)?.revoked)
        out.push({ kind: 'revocation_not_seen', detail: `${user} was never told it is out of ${room}` })
      for (const node of this.liveNodes()) {
        if (node.host.connectedUsers(room).includes(user))
          out.push({ kind: 'revoked_still_in', detail: `${user} is still in ${room} at ${node.name}` })
      }
    }
    return out
  }

  /** The end of the faults: every pause resumes, partitions heal, the store is calm, sends stop. */
  private heal(): void {
    this.healed = true
    this.sending = false
    this.log('HEAL')
    for (const node of this.nodes) if (node.gate.isPaused) node.gate.resume()
    this.network.healAll()
    this.weather = calmWeather
    this.nodeWeather.clear()
    if (!this.nodes.some((n) => n.state === 'up' || n.state === 'starting')) this.startNode(this.newNodeId())
  }
}

/** Lets every promise started so far run (the simulation has no other source of events). */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

function defaultNetwork(clock: SimClock, rng: Rng): SimNetwork {
  return new MemoryNetwork({ clock, random: () => rng.next(), minDelayMs: 1, maxDelayMs: 10 })
}
