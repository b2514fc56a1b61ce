/**
 * Three real nodes on one DynamoDB Local (test/support/cluster.ts), real clients on every node
 * (PROTOCOL.md section 8): one room seen in one seq order from every node, the admin API
 * agreeing everywhere, revocation across nodes, recovery with `since` on another node.
 * CLUSTER_HEARTBEAT_MS=200, CLUSTER_LEASE_MS=1500 (testHeartbeatMs / testLeaseMs).
 */
import t from 'tap'
import { Client, is } from '../support/client.ts'
import { Cluster, until } from '../support/cluster.ts'
import { Member, verifyRoom } from '../support/cluster-member.ts'

// Real processes on two shared cores: the whole file may take minutes under a full `npm test`.
t.setTimeout(300_000)

let cluster: Cluster
t.before(async () => {
  cluster = await Cluster.start({ nodes: 3 })
})
t.teardown(() => cluster?.stop())

t.test('one room, clients on every node, senders on all: one seq order everywhere', async (t) => {
  const views = await cluster.settled()
  for (const [i, v] of views.entries()) {
    const n = cluster.live[i]!
    t.equal(v.node, n.id, `/admin/cluster on ${n.id} names itself`)
    t.same(
      v.nodes.find((x) => x.id === n.id)?.address,
      `127.0.0.1:${n.internalPort}`,
      `${n.id} advertises ADVERTISE_HOST:INTERNAL_PORT`,
    )
  }
  const room = 'order'
  const members: Member[] = []
  for (const node of cluster.live) {
    members.push(await Member.join(cluster, node, { user: `${node.id}-a`, room }))
    members.push(await Member.join(cluster, node, { user: `${node.id}-b`, room }))
    members.push(await Member.join(cluster, node, { user: `${node.id}-mux`, room, mode: 'mux' }))
  }
  let acked = 0
  const loads = members.map((m) => m.load(() => acked >= 240, { inFlight: 2, gapMs: 30 }).then(() => undefined))
  const counting = setInterval(() => (acked = members.reduce((a, m) => a + m.acked.size, 0)), 20)
  await Promise.all(loads)
  clearInterval(counting)

  const owner = await cluster.owner(room)
  t.ok(
    cluster.live.some((n) => n.id === owner),
    `every node names the same live owner (${owner})`,
  )
  const info = await cluster.roomInfo(cluster.live[0]!, room)
  t.ok(info.epoch >= 1, `the room has a fencing epoch (${info.epoch})`)
  // Leases carry each node's room count: everyone comes to see the owner owning it.
  await until("every node to count the owner's room", async () => {
    const vs = await Promise.all(cluster.live.map((n) => cluster.view(n)))
    return vs.every((v) => (v.nodes.find((x) => x.id === owner)?.rooms ?? 0) >= 1) ? true : undefined
  })
  const history = await verifyRoom(t, cluster, room, members, { via: cluster.live[1]! })
  t.equal(
    (await cluster.roomInfo(cluster.live[2]!, room)).seq,
    history.length,
    '/admin/rooms/:roomId has the latest seq',
  )
  await Promise.all(members.map((m) => m.close()))
})

t.test('recovery with since on another node', async (t) => {
  const [a, b, c] = cluster.live as [(typeof cluster.live)[0], (typeof cluster.live)[0], (typeof cluster.live)[0]]
  const room = 'recover'
  const token = await cluster.token('rita')
  const sender = await Member.join(cluster, b, { user: 'sam', room })
  const first = await Client.open(`${a.ws}/ws/rooms/${room}`, { token })
  await first.take(is('welcome'))
  for (let i = 0; i < 5; i++) await sender.send()
  await until('rita to see 5', () => (first.seen(is('message')).length >= 5 ? true : undefined))
  const since = (first.seen(is('message')).at(-1)!.message as { seq: number }).seq
  await first.close()
  for (let i = 0; i < 7; i++) await sender.send()

  const again = await Client.open(`${c.ws}/ws/rooms/${room}?since=${since}`, { token })
  const welcome = await again.take(is('welcome'))
  t.equal(welcome.recovered, true, 'welcome says recovered')
  for (let s = since + 1; s <= since + 7; s++)
    t.equal(((await again.take(is('message'))).message as { seq: number }).seq, s)
  const live = sender.send()
  t.equal(((await again.take(is('message'))).message as { seq: number }).seq, await live, 'then live ones')

  // The same on /ws with a join's since, on the third node.
  const mux = await Client.open(`${b.ws}/ws`, { token })
  mux.send({ type: 'join', room, since })
  t.equal((await mux.take(is('welcome', { room }))).recovered, true)
  const seqs: number[] = []
  for (let s = since + 1; s <= since + 8; s++)
    seqs.push(((await mux.take(is('message', { room }))).message as { seq: number }).seq)
  t.same(
    seqs,
    Array.from({ length: 8 }, (_, i) => since + 1 + i),
    'every missed message once, in order',
  )
  await verifyRoom(t, cluster, room, [sender], { via: a })
  await Promise.all([again.close(), mux.close(), sender.close()])
})

t.test("revocation across nodes: DELETE on one node closes the user's sockets on the others", async (t) => {
  const room = 'GUILD#keep'
  const owner = await cluster.owner(room)
  // The revoking node is not the owner: the revocation must travel.
  const a = cluster.live.find((n) => n.id !== owner)!
  const [b, c] = cluster.live.filter((n) => n !== a) as [typeof a, typeof a]
  for (const user of ['mallory', 'bob'])
    t.equal(await cluster.request(a, 'PUT', `/admin/guilds/keep/members/${user}`), 204)
  const mallory = await cluster.token('mallory')
  const bob = await cluster.token('bob')
  const url = (n: typeof a) => `${n.ws}/ws/rooms/${encodeURIComponent(room)}`

  const malloryB = await Client.open(url(b), { token: mallory })
  await malloryB.take(is('welcome'))
  const malloryC = await Client.open(`${c.ws}/ws`, { token: mallory })
  malloryC.send({ type: 'join', room })
  await malloryC.take(is('welcome', { room }))
  malloryC.send({ type: 'join', room: 'lobby' })
  await malloryC.take(is('welcome', { room: 'lobby' }))
  const bobB = await Client.open(url(b), { token: bob })
  await bobB.take(is('welcome'))
  const bobC = await Client.open(url(c), { token: bob })
  await bobC.take(is('welcome'))

  t.equal(await cluster.request(a, 'DELETE', `/admin/guilds/keep/members/mallory`), 204)
  t.equal((await malloryB.closedBy()).code, 4403, `mallory's room socket on ${b.id} closed with 4403`)
  t.match(
    await malloryC.take(is('left', { room })),
    { reason: 'revoked' },
    `mallory on /ws at ${c.id} gets left revoked`,
  )
  malloryC.send({ type: 'send', room: 'lobby', id: 'still-here', text: 'hi' })
  t.match(
    await malloryC.take(is('ack', { room: 'lobby' })),
    { id: 'still-here' },
    'her /ws stays open for her other rooms',
  )

  bobB.send({ type: 'send', id: 'b1', text: 'after the revocation' })
  const ack = await bobB.take(is('ack'))
  t.equal(((await bobC.take(is('message'))).message as { seq: number }).seq, ack.seq, 'bob keeps both sockets')
  t.equal(bobB.ws.readyState, bobB.ws.OPEN)
  t.equal(bobC.ws.readyState, bobC.ws.OPEN)
  await Promise.all([malloryC.close(), bobB.close(), bobC.close()])
})

t.test('idempotent send across nodes: a resend with the same id on another node gets the original ack', async (t) => {
  const [a, b] = cluster.live as [(typeof cluster.live)[0], (typeof cluster.live)[0]]
  const room = 'idem'
  const token = await cluster.token('ida')
  const first = await Client.open(`${a.ws}/ws/rooms/${room}`, { token })
  await first.take(is('welcome'))
  first.send({ type: 'send', id: 'once', text: 'only once' })
  const ack = await first.take(is('ack'))
  await first.close()
  const again = await Client.open(`${b.ws}/ws/rooms/${room}`, { token })
  await again.take(is('welcome'))
  again.send({ type: 'send', id: 'once', text: 'only once' })
  t.same(await again.take(is('ack')), ack, 'the original ack, from another node')
  const history = await cluster.history(room, b)
  t.same(
    history.map((m) => m.text),
    ['only once'],
    'stored once',
  )
  await again.close()
})

t.test('typing and presence cross nodes', async (t) => {
  const [a, b] = cluster.live as [(typeof cluster.live)[0], (typeof cluster.live)[0]]
  const room = 'typing'
  const tina = await Client.open(`${a.ws}/ws/rooms/${room}`, { token: await cluster.token('tina') })
  await tina.take(is('welcome'))
  const ted = await Client.open(`${b.ws}/ws/rooms/${room}`, { token: await cluster.token('ted') })
  t.same(
    [...((await ted.take(is('welcome'))).presence as string[])].sort(),
    ['ted', 'tina'],
    'welcome on another node lists who is present everywhere',
  )
  t.match(await tina.take(is('presence', { userId: 'ted' })), { online: true }, 'presence crosses nodes')
  ted.send({ type: 'typing', active: true })
  t.match(await tina.take(is('typing', { userId: 'ted' })), { active: true }, 'typing crosses nodes')
  await ted.close()
  t.match(await tina.take(is('presence', { userId: 'ted' })), { online: false }, 'leaving crosses nodes')
  await tina.close()
})
