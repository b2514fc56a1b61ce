/**
 * Two nodes of the real actors (ActorHost + ClusterNode each) on one virtual clock, linked
 * in memory and sharing one MemoryStore and lease table: for actor tests that need the hop
 * between nodes without the whole simulator (actors/testing/cluster/). `each` adds options
 * per node (a tracer, metrics). Both views hold both nodes when it resolves.
 */
import { ClusterNode } from '../../actors/cluster/cluster-node.ts'
import { ActorHost, type ActorHostOptions } from '../../actors/host.ts'
import { silentLogger, type SocketPort } from '../../actors/ports.ts'
import { ManualClock, MemoryStore } from '../../actors/testing.ts'
import { MemoryNetwork } from '../../actors/testing/cluster/memory-link.ts'
import { MemoryLeaseStore } from '../../actors/testing/memory-leases.ts'
import type { Tracer } from '../../actors/tracing.ts'

export interface NodeExtras {
  tracer?: Tracer
  hostOptions?: Partial<ActorHostOptions>
}

export async function twoNodes<E extends NodeExtras>(each: (id: string, i: number, clock: ManualClock) => E) {
  const clock = new ManualClock()
  const network = new MemoryNetwork({ clock, random: () => 0.5, minDelayMs: 1, maxDelayMs: 3 })
  const leases = new MemoryLeaseStore()
  const store = new MemoryStore()
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve))
  }
  const advance = async (ms: number): Promise<void> => {
    const end = clock.now() + ms
    await settle()
    for (let due = clock.nextDue(); due !== undefined && due <= end; due = clock.nextDue()) {
      clock.set(due)
      await settle()
    }
    clock.set(end)
    await settle()
  }
  const nodes = ['n1', 'n2'].map((id, i) => {
    const extras = each(id, i, clock)
    const cluster = new ClusterNode({
      node: id,
      address: `${id}:8788`,
      leases: leases.view(id),
      transport: network.transport(id, `${id}:8788`),
      clock,
      monotonic: () => clock.now(),
      logger: silentLogger,
      heartbeatMs: 1_000,
      leaseMs: 5_000,
      ...(extras.tracer && { tracer: extras.tracer }),
    })
    let ids = 0
    const host = new ActorHost({
      store,
      clock,
      autoCreateRooms: true,
      newId: () => `${id}.m${++ids}`,
      cluster,
      ...(extras.tracer && { tracer: extras.tracer }),
      ...extras.hostOptions,
    })
    return { id, cluster, host, ...extras }
  }) as [Node<E>, Node<E>]
  for (const n of nodes) await n.cluster.start(n.host)
  await advance(3_000) // both views hold both nodes
  return { nodes, advance, clock, store, network }
}

type Node<E> = { id: string; cluster: ClusterNode; host: ActorHost } & E

/** A socket that records the frames written to it, parsed. */
export function recordingSocket() {
  // biome-ignore lint/suspicious/noExplicitAny: frames are parsed JSON a test reads field by field, asserted by t.match
  const frames: { type: string; [k: string]: any }[] = []
  const port: SocketPort = { send: (text) => void frames.push(JSON.parse(text)), bufferedAmount: () => 0, close() {} }
  return { port, frames }
}
