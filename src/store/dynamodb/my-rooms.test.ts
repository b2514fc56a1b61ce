/**
 * Conversations and "my rooms" on DynamoDB Local, past what the contract sees: requests
 * counted per call (one page's reads do not grow with the number of rooms), UnprocessedKeys
 * asked again, heads written before `lastId`, guild memberships other services wrote, two
 * store instances creating one pair, a 50-member group cut short between its transactions,
 * the marker's steady state, and the start refused without the guild index.
 */
import { CreateTableCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import t, { type Test } from 'tap'
import type { StoredMessage } from '../../../actors/store.ts'
import { startDynamoDbLocal } from '../../../test/support/dynamodb-local.ts'
import {
  docClient,
  dropTables,
  FaultySender,
  localCredentials,
  openStore,
  rawClient,
  uniqueTables,
} from '../../../test/support/dynamodb-fixtures.ts'
import type { DocSender, DynamoStoreOptions } from './config.ts'
import { createDynamoStore, tableSchema, TableUnusableError } from './index.ts'

const local = await startDynamoDbLocal()
t.teardown(local.stop)
const raw = rawClient(local.endpoint)
t.teardown(() => raw.destroy())

async function setup(t: Test, extra: Partial<DynamoStoreOptions> = {}, inner: DocSender = docClient(local.endpoint)) {
  const tables = uniqueTables()
  const faulty = new FaultySender(inner)
  const store = await openStore(local.endpoint, tables, { client: faulty, ...extra })
  t.teardown(async () => {
    await store.close()
    await dropTables(local.endpoint, tables)
  })
  return { tables, faulty, store }
}

const T0 = 1_700_000_000_000
const message = (roomId: string, seq: number): StoredMessage => ({
  id: `m${seq}`,
  seq,
  roomId,
  senderId: 'alice',
  text: `hello ${seq}`,
  ts: T0 + seq,
  clientId: `c${seq}`,
})

/** Requests per command name made while `fn` runs. */
async function requests(faulty: FaultySender, fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const from = faulty.log.length
  await fn()
  const counts: Record<string, number> = {}
  for (const name of faulty.log.slice(from)) counts[name] = (counts[name] ?? 0) + 1
  return counts
}

t.test("one page's reads cost the same requests for 5 rooms as for 100; 100 keys a request past that", async (t) => {
  const { store, faulty } = await setup(t)
  const rooms = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? `GUILD#g${i}` : `r${i}`))
  for (const roomId of rooms) {
    await store.append(roomId, 0, [message(roomId, 1)])
    await store.advanceReadMarker(roomId, 'alice', 1)
    if (!roomId.startsWith('GUILD#')) await store.putRoomMember(roomId, 'alice')
  }
  /** Every read of one page of `ids`, as conv-api makes them. */
  const page = async (ids: string[]) => {
    const heads = await store.roomHeads(ids)
    await Promise.all([
      store.lastMessages(heads),
      store.roomRecords(ids),
      store.readMarkersOf('alice', ids),
      store.membershipsOf('alice', ids),
    ])
  }
  const five = await requests(faulty, () => page(rooms.slice(0, 5)))
  const hundred = await requests(faulty, () => page(rooms.slice(0, 100)))
  t.same(five, { BatchGetCommand: 5 }, 'one BatchGetItem per read, no Query')
  t.same(hundred, five, '100 rooms: the same requests as 5')
  t.same(
    await requests(faulty, () => page(rooms)),
    { BatchGetCommand: 8 },
    '150 rooms: 2 a read of all of them (100 keys a request), 1 for records and memberships (100 general rooms)',
  )
  const listing = await requests(faulty, () => store.listUserRooms('alice', { limit: 100 }))
  t.same(listing, { QueryCommand: 1 }, 'a page of the room index: one Query')
})

t.test('keys left unprocessed are asked again until answered', async (t) => {
  /** Holds back half of each BatchGetItem answer's items as UnprocessedKeys, `rounds` times. */
  let rounds = 2
  const inner = docClient(local.endpoint)
  const stingy: DocSender = {
    async send(command, options) {
      const out = (await inner.send(command as never, options)) as {
        Responses?: Record<string, Record<string, unknown>[]>
        UnprocessedKeys?: Record<string, { Keys: Record<string, unknown>[] }>
      }
      if (command.constructor.name !== 'BatchGetCommand' || rounds-- <= 0) return out
      for (const [table, items] of Object.entries(out.Responses ?? {})) {
        const held = items.splice(0, Math.ceil(items.length / 2))
        out.UnprocessedKeys = { [table]: { Keys: held.map((i) => ({ PK: i.PK, SK: i.SK })) } }
      }
      return out
    },
  }
  const { store, faulty } = await setup(t, {}, stingy)
  const rooms = ['a', 'b', 'c', 'd', 'e']
  for (const roomId of rooms) await store.append(roomId, 0, [message(roomId, 1)])
  let heads = new Map()
  const counts = await requests(faulty, async () => (heads = await store.roomHeads(rooms)))
  t.equal(heads.size, 5, 'every head, in the end')
  t.same(counts, { BatchGetCommand: 3 }, 'asked again twice')
})

t.test('a head written before lastId: the last message is found by a Query', async (t) => {
  const { store, tables, faulty } = await setup(t)
  await store.append('old', 0, [message('old', 1), message('old', 2)])
  await store.append('new', 0, [message('new', 1)])
  await raw.send(
    new UpdateItemCommand({
      TableName: tables.coreTable,
      Key: { PK: { S: 'ROOM#old' }, SK: { S: 'HEAD' } },
      UpdateExpression: 'REMOVE lastId',
    }),
  )
  const heads = await store.roomHeads(['old', 'new'])
  t.same(heads.get('old'), { seq: 2, lastTs: T0 + 2 }, 'no lastId')
  let last = new Map()
  const counts = await requests(faulty, async () => (last = await store.lastMessages(heads)))
  t.same(last.get('old'), message('old', 2))
  t.same(last.get('new'), message('new', 1))
  t.same(counts, { BatchGetCommand: 1, QueryCommand: 1 }, 'one Query, for that room alone')
})

t.test('guilds another service wrote directly are listed (the inverted index)', async (t) => {
  const { store, tables } = await setup(t)
  for (const guildId of ['raid', 'crafters']) {
    await raw.send(
      new PutItemCommand({
        TableName: tables.guildTable,
        Item: { PK: { S: `GUILD#${guildId}` }, SK: { S: 'MEMBER#dave' } },
      }),
    )
  }
  await store.putGuildMember('zeta', 'dave')
  await store.append('GUILD#raid', 0, [message('GUILD#raid', 1)])
  t.same(await store.listUserGuilds('dave', { limit: 10 }), { ids: ['crafters', 'raid', 'zeta'] })
  t.same(await store.listUserGuilds('dave', { limit: 1, after: 'crafters' }), { ids: ['raid'], next: 'raid' })
})

t.test('two store instances (two nodes) creating one pair at once get one room', async (t) => {
  const { store: a, tables } = await setup(t)
  const b = await openStore(local.endpoint, tables, { createTables: false })
  t.teardown(() => b.close())
  for (let round = 0; round < 10; round++) {
    const [x, y] = await Promise.all([
      a.createConversation({ roomId: `a${round}`, members: [`u${round}`, `v${round}`] }),
      b.createConversation({ roomId: `b${round}`, members: [`v${round}`, `u${round}`] }),
    ])
    t.equal(x.roomId, y.roomId, `round ${round}: one room`)
    t.equal(Number(x.created) + Number(y.created), 1, `round ${round}: one creation`)
  }
})

t.test('two nodes creating one pair at once under one room id (derived from the pair) get one creation', async (t) => {
  const { store: a, tables } = await setup(t)
  const b = await openStore(local.endpoint, tables, { createTables: false })
  t.teardown(() => b.close())
  for (let round = 0; round < 10; round++) {
    const roomId = `dm${round}`
    const [x, y] = await Promise.all([
      a.createConversation({ roomId, members: [`u${round}`, `v${round}`] }),
      b.createConversation({ roomId, members: [`v${round}`, `u${round}`] }),
    ])
    t.same([x.roomId, y.roomId], [roomId, roomId], `round ${round}: one room`)
    t.equal(Number(x.created) + Number(y.created), 1, `round ${round}: one creation`)
  }
})

t.test('a 50-member group cut short between its transactions is in no listing', async (t) => {
  const { store, faulty } = await setup(t)
  const members = Array.from({ length: 50 }, (_, i) => `u${String(i).padStart(2, '0')}`)
  faulty.inject('TransactWriteCommand', 'fail', [2])
  await t.rejects(store.createConversation({ roomId: 'big', members }))
  t.equal(faulty.count('TransactWriteCommand'), 2, 'members and index first, then the record')
  t.equal(await store.getRoom('big'), undefined, 'no record')
  t.same(await store.listUserRooms('u00', { limit: 10 }), { ids: ['big'] }, 'the index entry is there')
  t.same(await store.roomRecords(['big']), new Map(), 'but no record: listings skip it')
  const made = await requests(faulty, () => store.createConversation({ roomId: 'big2', members }))
  t.same(made, { TransactWriteCommand: 2 }, 'a whole one: two transactions')
  t.same((await store.getRoom('big2'))?.members, members)
})

t.test('a creation whose answer was lost still answers created, with or without the request token', async (t) => {
  const { store, faulty } = await setup(t)
  faulty.inject('TransactWriteCommand', 'lose-response', [1, 3])
  t.same(await store.createConversation({ roomId: 'p1', members: ['alice', 'bob'] }), { roomId: 'p1', created: true })
  t.equal(faulty.count('TransactWriteCommand'), 2, 'sent again: the same request, a no-op')
  faulty.stripRequestToken = true
  t.same(await store.createConversation({ roomId: 'p2', members: ['alice', 'carol'] }), { roomId: 'p2', created: true })
  t.same(
    await store.createConversation({ roomId: 'g1', members: ['alice', 'bob', 'carol'] }),
    { roomId: 'g1', created: true },
    'a group: its record holds these members',
  )
  faulty.inject('TransactWriteCommand', 'lose-response', [6])
  t.same(await store.createConversation({ roomId: 'g2', members: ['alice', 'bob', 'carol'] }), {
    roomId: 'g2',
    created: true,
  })
  t.same(await store.createConversation({ roomId: 'p3', members: ['bob', 'alice'] }), { roomId: 'p1', created: false })
  t.same(await store.listUserRooms('alice', { limit: 10 }), { ids: ['g1', 'g2', 'p1', 'p2'] })
})

t.test("a read marker's steady state is one UpdateItem; its creation adds the index entry", async (t) => {
  const { store, faulty } = await setup(t)
  const first = await requests(faulty, () => store.advanceReadMarker('lobby', 'alice', 3))
  t.equal(first.TransactWriteCommand, 1, 'created with its index entry in one transaction')
  t.same(await requests(faulty, () => store.advanceReadMarker('lobby', 'alice', 5)), { UpdateCommand: 1 }, 'moved')
  t.equal(await store.advanceReadMarker('lobby', 'alice', 4), 5, 'never back')
  t.same(await requests(faulty, () => store.advanceReadMarker('GUILD#g', 'alice', 2)), { UpdateCommand: 1 }, 'guild')
  t.same(await store.listUserRooms('alice', { limit: 10 }), { ids: ['lobby'] })
  // Racing creations: whichever creates, the others move it; each answer is at least its seq.
  const rooms = Array.from({ length: 10 }, (_, i) => `race${i}`)
  for (const roomId of rooms) {
    const answers = await Promise.all([2, 7, 5].map((seq) => store.advanceReadMarker(roomId, 'bob', seq)))
    t.ok(answers[0]! >= 2 && answers[1] === 7 && answers[2]! >= 5, `${roomId}: answers ${answers}`)
    t.equal(await store.getReadMarker(roomId, 'bob'), 7, `${roomId}: the highest stays`)
  }
  t.same(await store.listUserRooms('bob', { limit: 10 }), { ids: rooms })
})

t.test('a guild table without the inverted index stops the start, naming table and index', async (t) => {
  const tables = uniqueTables()
  t.teardown(() => dropTables(local.endpoint, tables))
  for (const name of [tables.coreTable, tables.guildTable]) await raw.send(new CreateTableCommand(tableSchema(name)))
  const opts = { endpoint: local.endpoint, region: 'us-east-1', credentials: localCredentials, ...tables }
  await t.rejects(
    createDynamoStore(opts),
    new TableUnusableError(
      `DynamoDB table "${tables.guildTable}" (GUILD_TABLE) does not have the global secondary index "inverted" ` +
        '(hash key SK, range key PK, keys only; docs/storage.md): create it, or let CREATE_TABLES=true create a new table',
    ),
  )
})
