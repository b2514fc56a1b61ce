/**
 * Who counts as a node of the cluster, on real processes sharing DynamoDB Local: a node
 * started with another CLUSTER_SECRET is left out of every other node's live set (its lease
 * proves the wrong secret) and keeps itself out of the load balancer (`/ready` 503), so no
 * room is placed on a node nobody can link to; and a Deno node is a full member next to Node
 * ones (the link through Deno's Node compatibility). CLUSTER_HEARTBEAT_MS=200, LEASE_MS=1500.
 */
import t from 'tap'
import { Cluster, until } from '../support/cluster.ts'
import { Member, verifyRoom } from '../support/cluster-member.ts'
import { ownerOf } from '../../actors/cluster/placement.ts'

let cluster: Cluster
t.before(async () => {
  cluster = await Cluster.start({ nodes: 2 })
})
t.teardown(() => cluster?.stop())

t.test('a node with another CLUSTER_SECRET is not counted, and is not ready', async (t) => {
  const stranger = await cluster.add('stranger', { env: { CLUSTER_SECRET: 'another-secret-'.padEnd(40, 'x') } })
  // It has listed the table (it sees itself alone: the others prove a secret it does not have).
  const own = await until('the stranger to list the table', async () => {
    const v = await cluster.view(stranger)
    return v.nodes.length === 1 ? v : undefined
  })
  t.same(
    own.nodes.map((n) => n.id),
    ['stranger'],
  )
  const ready = await fetch(`${stranger.http}/ready`)
  t.equal(ready.status, 503, 'the stranger keeps itself out of the load balancer')
  t.match(await ready.json(), { error: 'unavailable', message: /another CLUSTER_SECRET/ })
  const [n1, n2] = cluster.all.filter((n) => n.id !== 'stranger')
  // Several heartbeats later the members still see only each other.
  await new Promise((r) => setTimeout(r, 1_000))
  for (const n of [n1!, n2!]) {
    t.same(
      (await cluster.view(n)).nodes.map((x) => x.id),
      ['n1', 'n2'],
      `${n.id} does not count the stranger`,
    )
    t.equal((await fetch(`${n.http}/ready`)).status, 200, `${n.id} is ready`)
  }
  // Rooms the stranger would have won with three nodes are served by the members.
  const rooms = Array.from({ length: 40 }, (_, i) => `sec-${i}`)
    .filter((r) => ownerOf(r, ['n1', 'n2', 'stranger']) === 'stranger')
    .slice(0, 3)
  t.ok(rooms.length > 0)
  for (const room of rooms) {
    const m = await Member.join(cluster, n1!, { user: `u-${room}`, room })
    await m.send()
    t.ok((await cluster.roomInfo(n2!, room)).owner !== 'stranger', `${room} is owned by a member`)
    await m.close()
  }
  cluster.signal('stranger', 'SIGKILL')
})

t.test('a Deno node joins the Node nodes: one room, one order from both runtimes', async (t) => {
  const deno = await cluster.add('d1', { runtime: 'deno' })
  const nodeNode = cluster.all.find((n) => n.id === 'n1')!
  await until('everyone to see the Deno node', async () => {
    const views = await Promise.all([cluster.view(nodeNode), cluster.view(deno)])
    return views.every((v) => v.nodes.some((n) => n.id === 'd1') && v.nodes.some((n) => n.id === 'n1'))
      ? true
      : undefined
  })
  // Rooms owned by each runtime, with members on the other.
  const ids = ['n1', 'n2', 'd1']
  const onDeno = Array.from({ length: 60 }, (_, i) => `mixed-${i}`).find((r) => ownerOf(r, ids) === 'd1')!
  const onNode = Array.from({ length: 60 }, (_, i) => `mixed-${i}`).find((r) => ownerOf(r, ids) === 'n1')!
  for (const room of [onDeno, onNode]) {
    const members = [
      await Member.join(cluster, nodeNode, { user: `${room}-node`, room }),
      await Member.join(cluster, deno, { user: `${room}-deno`, room }),
      await Member.join(cluster, deno, { user: `${room}-deno-mux`, room, mode: 'mux' }),
    ]
    for (let i = 0; i < 10; i++) for (const m of members) await m.send()
    t.equal((await cluster.roomInfo(deno, room)).owner, ownerOf(room, ids), `${room}: placed as the hash says`)
    await verifyRoom(t, cluster, room, members, { via: nodeNode })
    await Promise.all(members.map((m) => m.close()))
  }
})
