/**
 * The cluster benchmark's table, rendered from its raw result, so docs/benchmarks.md can cite
 * rows that test/ci/bench-citations.test.ts checks against the committed JSON.
 */
export interface FanoutSide {
  nodes: number;
  cpuUsPerDelivery: number;
  delivered: number;
  deliveredRatio: number;
  p50Ms?: number;
  p99Ms?: number;
}

export interface ClusterResult {
  benchmark: "cluster";
  fanout: { subscribers: number; rate: number; seconds: number; single: FanoutSide; cluster: FanoutSide; ratio: number };
  failover: { trials: number; leaseMs: number; heartbeatMs: number; msToFirstAck: number[]; p50Ms: number; maxMs: number };
  drain: { trials: number; pauseMs: number[]; p50Ms: number; maxMs: number; steadyMaxGapMs: number };
}

export function clusterTable(r: ClusterResult): string {
  const f = r.fanout;
  return [
    "| measure | value |",
    "|---|---|",
    `| cross-node fan-out, 1 node, server CPU per delivery | ${f.single.cpuUsPerDelivery} µs (${f.single.delivered} deliveries, ${pct(f.single.deliveredRatio)} delivered) |`,
    `| cross-node fan-out, ${f.cluster.nodes} nodes, server CPU per delivery | ${f.cluster.cpuUsPerDelivery} µs (${f.cluster.delivered} deliveries, ${pct(f.cluster.deliveredRatio)} delivered) |`,
    `| cross-node fan-out, ${f.cluster.nodes} nodes / 1 node | ${f.ratio}x |`,
    `| failover (kill -9), kill to first ack, p50 / max of ${r.failover.trials} | ${r.failover.p50Ms} / ${r.failover.maxMs} ms (CLUSTER_LEASE_MS ${r.failover.leaseMs}) |`,
    `| drain handoff (SIGTERM), longest pause at a client, p50 / max of ${r.drain.trials} | ${r.drain.p50Ms} / ${r.drain.maxMs} ms (steady state ${r.drain.steadyMaxGapMs} ms) |`,
    "",
  ].join("\n");
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`;
}
