/**
 * The cluster benchmark's table, rendered from its raw result, so docs/benchmarks.md can cite
 * rows that test/ci/bench-citations.test.ts checks against the committed JSON.
 */
export interface FanoutSide {
  nodes: number
  /** Over every repeat: the nodes' CPU divided by the deliveries. */
  cpuUsPerDelivery: number
  cpuUs: number
  delivered: number
  deliveredRatio: number
  p50Ms?: number
  p99Ms?: number
}

export interface ClusterResult {
  benchmark: 'cluster'
  fanout: {
    subscribers: number
    rate: number
    seconds: number
    repeats: number
    single: FanoutSide
    cluster: FanoutSide
    ratio: number
    /** cluster / single for each repeat (1 node, then 3 nodes, alternating). */
    ratios: number[]
    /** Every repeat's own figures. */
    runs?: { single: FanoutSide[]; cluster: FanoutSide[] }
  }
  failover: {
    trials: number
    leaseMs: number
    heartbeatMs: number
    msToFirstAck: number[]
    p50Ms: number
    maxMs: number
  }
  drain: {
    trials: number
    /** At a client of another node (kept its socket). */
    pauseMs: number[]
    p50Ms: number
    maxMs: number
    /** At a client of the drained node (closed with 1001, back with since on another node). */
    ownPauseMs: number[]
    ownP50Ms: number
    ownMaxMs: number
    steadyMaxGapMs: number
  }
}

export function clusterTable(r: ClusterResult): string {
  const f = r.fanout
  return [
    '| measure | value |',
    '|---|---|',
    `| cross-node fan-out, 1 node, server CPU per delivery | ${f.single.cpuUsPerDelivery} µs (${f.single.delivered} deliveries, ${pct(f.single.deliveredRatio)} delivered) |`,
    `| cross-node fan-out, ${f.cluster.nodes} nodes, server CPU per delivery | ${f.cluster.cpuUsPerDelivery} µs (${f.cluster.delivered} deliveries, ${pct(f.cluster.deliveredRatio)} delivered) |`,
    `| cross-node fan-out, ${f.cluster.nodes} nodes / 1 node | ${f.ratio}x (each of ${f.repeats} repeats: ${f.ratios.join(', ')}) |`,
    `| failover (kill -9), kill to first ack, p50 / max of ${r.failover.trials} | ${r.failover.p50Ms} / ${r.failover.maxMs} ms (CLUSTER_LEASE_MS ${r.failover.leaseMs}) |`,
    `| drain handoff (SIGTERM), longest pause at a client of another node, p50 / max of ${r.drain.trials} | ${r.drain.p50Ms} / ${r.drain.maxMs} ms (steady state ${r.drain.steadyMaxGapMs} ms) |`,
    `| drain handoff (SIGTERM), longest pause at a client of the drained node (1001, since), p50 / max of ${r.drain.trials} | ${r.drain.ownP50Ms} / ${r.drain.ownMaxMs} ms |`,
    '',
  ].join('\n')
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`
}
