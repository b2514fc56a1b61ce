/**
 * docs/protocol.md "Conversations and my rooms" on the DynamoDB store (DynamoDB Local), beyond
 * the protocol scenarios (test/e2e/scenarios/conversations.ts, run on DynamoDB by
 * dynamodb.test.ts): a guild found from a membership item another service wrote with the SDK,
 * and two server processes on one table asked for the same pair's conversation at the same
 * instant: one room.
 */
import t from 'tap'
import { PutCommand } from '@aws-sdk/lib-dynamodb'
import { docClient } from '../support/dynamodb-fixtures.ts'
import { dynamoServerEnv, startDynamoDbLocal, type DynamoDbLocal } from '../support/dynamodb-local.ts'
import { Client, is } from '../support/client.ts'
import { Cluster, until } from '../support/cluster.ts'
import { startInProcess, type InProcess } from '../support/server.ts'
import { http, uniq } from './scenarios/util.ts'

// Two real server processes besides the in-process one, on two shared cores.
t.setTimeout(300_000)

let dynamo: DynamoDbLocal
let server: InProcess
let env: Record<string, string>
t.before(async () => {
  dynamo = await startDynamoDbLocal()
  env = dynamoServerEnv(dynamo.endpoint, 'conv')
  server = await startInProcess({ env })
})
t.teardown(async () => {
  await server?.stop()
  await dynamo?.stop()
})

t.test('the server runs on the DynamoDB store', async (t) => {
  t.equal(server.gh.store.constructor.name, 'DynamoStore')
})

t.test('a guild whose membership item another service wrote with the SDK is in /me/rooms', async (t) => {
  const [user, guild, other] = [uniq('svc-user'), uniq('svcguild'), uniq('svcguild')]
  const token = await server.token({ sub: user })
  const doc = docClient(dynamo.endpoint)
  // The item alone (PROTOCOL.md section 3), with an attribute of the writer's own, and a
  // membership of someone else in another guild.
  await doc.send(
    new PutCommand({ TableName: env.GUILD_TABLE, Item: { PK: `GUILD#${guild}`, SK: `MEMBER#${user}`, role: 'x' } }),
  )
  await doc.send(new PutCommand({ TableName: env.GUILD_TABLE, Item: { PK: `GUILD#${other}`, SK: 'MEMBER#someone' } }))
  // The index behind it is eventually consistent: asked again until it shows.
  const rooms = await until('the guild in /me/rooms', async () => {
    const res = await http(server, 'GET', '/me/rooms', { token })
    const listed = (res.body?.rooms ?? []) as { room: string }[]
    return listed.length > 0 ? listed : undefined
  })
  t.same(rooms, [{ room: `GUILD#${guild}`, kind: 'guild', seq: 0, lastRead: 0, unread: 0, lastMessage: null }])
  doc.destroy()
})

t.test('two nodes on one table: the same pair asked on both at once gets one room', async (t) => {
  const cluster = await Cluster.start({ nodes: 2, dynamo })
  t.teardown(() => cluster.stop())
  const [n1, n2] = cluster.live
  for (let round = 0; round < 8; round++) {
    const [ann, bob] = [uniq('ann'), uniq('bob')]
    const [a, b] = await Promise.all([
      http(n1!, 'POST', '/conversations', { token: await cluster.token(ann), body: { members: [bob] } }),
      http(n2!, 'POST', '/conversations', { token: await cluster.token(bob), body: { members: [ann] } }),
    ])
    t.same([a.status, b.status].sort(), [200, 201], `round ${round}: one made it, the other found it`)
    t.equal(a.body?.room, b.body?.room, `round ${round}: one room`)
    // Both find it in their rooms, on either node.
    const listed = await http(n1!, 'GET', '/me/rooms', { token: await cluster.token(bob) })
    t.same(
      ((listed.body?.rooms ?? []) as { room: string }[]).map((r) => r.room),
      [a.body?.room],
    )
  }
  // A dm from a client of one node reaches the other member on the other node.
  const [cat, dan] = [uniq('cat'), uniq('dan')]
  const wsCat = await Client.open(`${n1!.ws}/ws`, { token: await cluster.token(cat) })
  const wsDan = await Client.open(`${n2!.ws}/ws`, { token: await cluster.token(dan) })
  wsCat.send({ type: 'dm', to: dan, id: 'x1', text: 'across nodes' })
  const ack = await wsCat.take(is('ack'))
  wsDan.send({ type: 'dm', to: cat, id: 'y1', text: 'back' })
  t.match(await wsDan.take(is('ack')), { room: ack.room, seq: 2 })
  t.match(await wsCat.take(is('message', { room: ack.room })), { message: { seq: 1 } })
  t.match(await wsCat.take(is('message', { room: ack.room })), { message: { seq: 2, senderId: dan } })
  await wsCat.close()
  await wsDan.close()
})
