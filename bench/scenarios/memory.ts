/** Memory: server RSS (whole process tree) per idle connection, before vs after 10,000 connections. */
import { setTimeout as sleep } from "node:timers/promises";
import { rssKB } from "../lib/proc.ts";
import { round } from "../lib/stats.ts";
import type { RunContext, Scenario, SystemResult } from "./types.ts";

const CONNECTIONS = 10000;
const ROOMS = 100;

async function run(ctx: RunContext): Promise<SystemResult> {
  const specs = await ctx.specs(CONNECTIONS, (i) => `idle-${i % ROOMS}`);
  await sleep(1000);
  const before = rssKB(ctx.server.pid);
  const conn = await ctx.pool.connect(ctx.target.clientKind, `ws://${ctx.server.host}:${ctx.server.port}`, specs, 200);
  if (conn.opened < CONNECTIONS * 0.99) throw new Error(`only ${conn.opened}/${CONNECTIONS} opened: ${conn.firstError}`);
  await sleep(ctx.quick ? 2000 : 5000);
  const after = rssKB(ctx.server.pid);
  const result = {
    connections: conn.opened,
    rssBeforeMB: round(before / 1024),
    rssAfterMB: round(after / 1024),
    rssPerConnKB: round((after - before) / conn.opened),
  };
  ctx.log(`${conn.opened} idle: RSS ${result.rssBeforeMB} → ${result.rssAfterMB} MB, ${result.rssPerConnKB} KB/conn`);
  return result;
}

export const memory: Scenario = {
  name: "memory",
  unit: `rssPerConnKB: server process-tree RSS growth per idle connection at ${CONNECTIONS} connections in ${ROOMS} rooms`,
  run,
};
