/**
 * Posts, read markers and commands without a socket across real nodes (two processes on one
 * DynamoDB Local, test/support/cluster.ts): a `POST /rooms/:roomId/messages` on the node that
 * does not own the room is stored once, by the owner, and the sockets on both nodes get it;
 * a `room.post` command taken by either node does the same (docs/events.md "Commands").
 */
import t from 'tap'
import { Client, is } from '../support/client.ts'
import { Cluster, until } from '../support/cluster.ts'
import { startSqsEndpoint } from '../support/sqs-endpoint.ts'

t.setTimeout(300_000)

const sqs = await startSqsEndpoint()
sqs.createQueue('commands-dlq')
const queueUrl = sqs.createQueue('commands', { redrive: { dlq: 'commands-dlq', maxReceiveCount: 3 } })
let cluster: Cluster
t.before(async () => {
  cluster = await Cluster.start({
    nodes: 2,
    env: { COMMANDS_QUEUE_URL: queueUrl, AWS_ENDPOINT_URL_SQS: sqs.url, COMMANDS_POLL_WAIT_SECONDS: '1' },
  })
})
t.teardown(async () => {
  await cluster?.stop()
  await sqs.close()
})

/** A room the first node does not own: the first node is the gateway, the second the owner. */
async function roomOn(prefix: string) {
  const [a, b] = cluster.live as [(typeof cluster.live)[0], (typeof cluster.live)[0]]
  for (let i = 0; ; i++) {
    const room = `${prefix}${i}`
    if ((await cluster.owner(room)) === b.id) return { room, gateway: a, owner: b }
  }
}

t.test('a POST on the node that does not own the room: stored once at the owner, both nodes see it', async (t) => {
  await cluster.settled()
  const { room, gateway, owner } = await roomOn('posts')
  const onGateway = await Client.open(`${gateway.ws}/ws/rooms/${room}`, { token: await cluster.token('ann') })
  const onOwner = await Client.open(`${owner.ws}/ws/rooms/${room}`, { token: await cluster.token('bob') })
  await Promise.all([onGateway.take(is('welcome')), onOwner.take(is('welcome'))])
  const admin = await cluster.adminToken()
  const send = async (body: unknown) => {
    const res = await fetch(`${gateway.http}/rooms/${room}/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }
  const first = await send({ id: 'p1', text: 'from a bot', senderId: 'bot' })
  t.equal(first.status, 201)
  t.match(first.body, { seq: 1 })
  for (const c of [onGateway, onOwner])
    t.match(await c.take(is('message')), { message: { seq: 1, senderId: 'bot', id: first.body.messageId } })
  t.same(await send({ id: 'p1', text: 'from a bot', senderId: 'bot' }), { status: 200, body: first.body })
  t.equal((await cluster.roomInfo(gateway, room)).seq, 1, 'stored once')

  const read = await fetch(`${gateway.http}/rooms/${room}/read`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${await cluster.token('ann')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ seq: 1 }),
  })
  t.equal(read.status, 204)
  t.match(await onOwner.take(is('read')), { userId: 'ann', seq: 1 })
  await Promise.all([onGateway.close(), onOwner.close()])
})

t.test('a room.post command, whichever node takes it: stored once, seen on both nodes', async (t) => {
  const { room, gateway, owner } = await roomOn('commands')
  const sockets = [
    await Client.open(`${gateway.ws}/ws/rooms/${room}`, { token: await cluster.token('ann') }),
    await Client.open(`${owner.ws}/ws/rooms/${room}`, { token: await cluster.token('bob') }),
  ]
  await Promise.all(sockets.map((c) => c.take(is('welcome'))))
  const before = (await cluster.roomInfo(gateway, room)).seq
  for (let i = 0; i < 4; i++) {
    const body = JSON.stringify({ type: 'room.post', room, id: `cmd${i}`, senderId: 'system', text: `notice ${i}` })
    // Each sent twice: a producer's retry.
    for (let copy = 0; copy < 2; copy++)
      await fetch(sqs.url, {
        method: 'POST',
        headers: { 'x-amz-target': 'AmazonSQS.SendMessage', 'content-type': 'application/x-amz-json-1.0' },
        body: JSON.stringify({ QueueUrl: queueUrl, MessageBody: body }),
      })
  }
  await until('every command deleted', async () => (sqs.messages('commands').length === 0 ? true : undefined))
  for (const c of sockets) {
    const seen = []
    for (let i = 0; i < 4; i++) seen.push(await c.take(is('message')))
    t.same(
      seen.map((f) => (f.message as { seq: number }).seq),
      [before + 1, before + 2, before + 3, before + 4],
      'four messages, in order, once',
    )
  }
  t.equal((await cluster.roomInfo(owner, room)).seq, before + 4, 'each stored once')
  t.same(sqs.sent('commands-dlq'), [])
  await Promise.all(sockets.map((c) => c.close()))
})
