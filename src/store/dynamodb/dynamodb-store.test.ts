/**
 * What the contract cannot see: the items as stored (docs/protocol.md "Room ids"), the table schema,
 * TTL, the conditional head under two store instances, lost responses, throttling and failures
 * injected around the client, and membership revocation through the cache.
 */
import { DescribeTableCommand, DescribeTimeToLiveCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { DeleteCommand } from '@aws-sdk/lib-dynamodb'
import t, { type Test } from 'tap'
import { FencedError, SeqConflictError } from '../../../actors/store.ts'
import { messages, tsOf } from '../../../test/contract/store.ts'
import { startDynamoDbLocal } from '../../../test/support/dynamodb-local.ts'
import { BatchTooLargeError, MAX_APPEND_BATCH } from './index.ts'
import {
  docClient,
  dropTables,
  FaultySender,
  openStore,
  rawClient,
  uniqueTables,
  type Tables,
} from '../../../test/support/dynamodb-fixtures.ts'
import type { DocSender, DynamoStoreOptions } from './config.ts'

const local = await startDynamoDbLocal()
t.teardown(local.stop)
const raw = rawClient(local.endpoint)
t.teardown(() => raw.destroy())

/** A store on fresh tables, dropped after the test; `faulty` wraps its client. */
async function setup(t: Test, extra: Partial<DynamoStoreOptions> = {}) {
  const tables = uniqueTables()
  const faulty = new FaultySender(docClient(local.endpoint))
  const store = await openStore(local.endpoint, tables, { client: faulty, ...extra })
  t.teardown(async () => {
    await store.close()
    await dropTables(local.endpoint, tables)
  })
  return { tables, faulty, store }
}

async function partition(table: string, pk: string) {
  const out = await raw.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
      ConsistentRead: true,
    }),
  )
  return out.Items ?? []
}

const count = async (tables: Tables, pk: string, table: keyof Tables = 'coreTable') =>
  (await partition(tables[table], pk)).length

t.test("CREATE_TABLES: PK hash + SK range strings, on demand, TTL on `ttl`; the guild table's one index", async (t) => {
  const { tables } = await setup(t)
  for (const name of [tables.coreTable, tables.guildTable]) {
    const { Table } = await raw.send(new DescribeTableCommand({ TableName: name }))
    t.same(Table?.KeySchema, [
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ])
    t.same(
      [...(Table?.AttributeDefinitions ?? [])].sort((a, b) => a.AttributeName!.localeCompare(b.AttributeName!)),
      [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ],
    )
    t.equal(Table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST')
    t.equal(Table?.LocalSecondaryIndexes, undefined)
    const indexes = (Table?.GlobalSecondaryIndexes ?? []).map((i) => ({
      name: i.IndexName,
      keys: i.KeySchema,
      projection: i.Projection?.ProjectionType,
    }))
    t.same(
      indexes,
      name === tables.guildTable
        ? [
            {
              name: 'inverted',
              keys: [
                { AttributeName: 'SK', KeyType: 'HASH' },
                { AttributeName: 'PK', KeyType: 'RANGE' },
              ],
              projection: 'KEYS_ONLY',
            },
          ]
        : [],
      name === tables.guildTable ? 'the guild table: inverted (SK, PK), keys only' : 'the core table: none',
    )
    const ttl = await raw.send(new DescribeTimeToLiveCommand({ TableName: name }))
    t.same(ttl.TimeToLiveDescription, { AttributeName: 'ttl', TimeToLiveStatus: 'ENABLED' })
  }
})

t.test('item layout of a general room, with TTL', async (t) => {
  // The fixture's timestamps are in 2023: a short retention would put `ttl` in the past, and
  // DynamoDB Local's TTL sweeper deletes expired items while the test reads them.
  const days = 36_500
  const { tables, store } = await setup(t, { messageTtlDays: days })
  const batch = messages('lobby', 1, 2)
  await store.append('lobby', 0, batch)
  const items = await partition(tables.coreTable, 'ROOM#lobby')
  const bySk = new Map(items.map((i) => [i.SK!.S!, i]))
  const ttl = (ts: number) => ({ N: String(Math.floor(ts / 1000) + days * 86_400) })
  const msgSk = `MSG#${String(tsOf(1)).padStart(13, '0')}#m-lobby-1`
  t.same(bySk.get(msgSk), {
    PK: { S: 'ROOM#lobby' },
    SK: { S: msgSk },
    type: { S: 'Message' },
    id: { S: 'm-lobby-1' },
    roomId: { S: 'lobby' },
    senderId: { S: 'alice' },
    text: { S: 'hello 1' },
    ts: { N: String(tsOf(1)) },
    seq: { N: '1' },
    roomType: { S: 'general' },
    clientId: { S: 'c1' },
    ttl: ttl(tsOf(1)),
  })
  t.same(bySk.get('HEAD'), {
    PK: { S: 'ROOM#lobby' },
    SK: { S: 'HEAD' },
    type: { S: 'Head' },
    seq: { N: '2' },
    lastTs: { N: String(tsOf(2)) },
    lastId: { S: 'm-lobby-2' },
  })
  t.same(bySk.get('IDEM#alice#c2'), {
    PK: { S: 'ROOM#lobby' },
    SK: { S: 'IDEM#alice#c2' },
    type: { S: 'Idempotency' },
    senderId: { S: 'alice' },
    clientId: { S: 'c2' },
    messageSk: { S: `MSG#${String(tsOf(2)).padStart(13, '0')}#m-lobby-2` },
    seq: { N: '2' },
    ttl: ttl(tsOf(2)),
  })
  t.same(bySk.get('SEQ#0000000000000001'), {
    PK: { S: 'ROOM#lobby' },
    SK: { S: 'SEQ#0000000000000001' },
    type: { S: 'SeqIndex' },
    first: { N: '1' },
    tss: { L: [{ N: String(tsOf(1)) }, { N: String(tsOf(2)) }] },
    ttl: ttl(tsOf(2)),
  })
  t.equal(items.length, 6, 'head, 2 messages, 2 idempotency keys, 1 seq index')
  t.same(
    items.map((i) => i.SK!.S).filter((sk) => sk!.startsWith('MSG#')),
    [msgSk, `MSG#${String(tsOf(2)).padStart(13, '0')}#m-lobby-2`],
    'message keys sort in seq order',
  )

  await store.advanceReadMarker('lobby', 'bob', 2)
  await store.putRoom({ roomId: 'lobby', visibility: 'private' })
  await store.putRoomMember('lobby', 'carol')
  const more = new Map((await partition(tables.coreTable, 'ROOM#lobby')).map((i) => [i.SK!.S!, i]))
  t.same(more.get('READ#bob'), {
    PK: { S: 'ROOM#lobby' },
    SK: { S: 'READ#bob' },
    seq: { N: '2' },
    type: { S: 'ReadMarker' },
  })
  t.same(more.get('META'), {
    PK: { S: 'ROOM#lobby' },
    SK: { S: 'META' },
    visibility: { S: 'private' },
    roomId: { S: 'lobby' },
    type: { S: 'Room' },
  })
  t.same(more.get('MEMBER#carol'), { PK: { S: 'ROOM#lobby' }, SK: { S: 'MEMBER#carol' }, userId: { S: 'carol' } })
  const index = { type: { S: 'UserRoom' }, roomId: { S: 'lobby' }, SK: { S: 'ROOM#lobby' } }
  t.same(
    await partition(tables.coreTable, 'USER#bob'),
    [{ PK: { S: 'USER#bob' }, ...index }],
    "bob's index: his marker",
  )
  t.same(await partition(tables.coreTable, 'USER#carol'), [{ PK: { S: 'USER#carol' }, ...index }], 'carol: membership')
})

t.test('item layout of a guild room, without TTL', async (t) => {
  const { tables, store } = await setup(t)
  await store.append('GUILD#g1', 0, messages('GUILD#g1', 1, 1))
  const items = await partition(tables.guildTable, 'GUILD#g1')
  const message = items.find((i) => i.type?.S === 'Message')
  t.same(message, {
    PK: { S: 'GUILD#g1' },
    SK: { S: `MSG#${String(tsOf(1)).padStart(13, '0')}#m-GUILD_g1-1` },
    type: { S: 'Message' },
    id: { S: 'm-GUILD_g1-1' },
    roomId: { S: 'GUILD#g1' },
    senderId: { S: 'alice' },
    text: { S: 'hello 1' },
    ts: { N: String(tsOf(1)) },
    seq: { N: '1' },
    roomType: { S: 'guild' },
    guildId: { S: 'g1' },
    clientId: { S: 'c1' },
  })
  t.notOk(
    items.some((i) => 'ttl' in i),
    'no messageTtlDays: nothing expires',
  )
  t.equal(await count(tables, 'ROOM#GUILD#g1'), 0, 'nothing of a guild room in the core table')
})

t.test('a guild member is exactly the item GUILD#g / MEMBER#u, whoever wrote it', async (t) => {
  const { tables, store } = await setup(t, { membershipCacheMs: 0 })
  await raw.send(
    new PutItemCommand({
      TableName: tables.guildTable,
      Item: { PK: { S: 'GUILD#g' }, SK: { S: 'MEMBER#dave' }, role: { S: 'officer' } },
    }),
  )
  t.equal(await store.isGuildMember('g', 'dave'), true, 'an item an operator wrote')
  await store.putGuildMember('g', 'dave')
  const [item] = await partition(tables.guildTable, 'GUILD#g')
  t.equal(item?.role?.S, 'officer', 'put keeps attributes others wrote')
  t.equal(await store.deleteGuildMember('g', 'dave'), true)
  t.equal(await count(tables, 'GUILD#g', 'guildTable'), 0)
})

t.test('user ids with # and % cannot collide in idempotency keys', async (t) => {
  const { store } = await setup(t)
  const [m1, m2] = messages('lobby', 1, 2)
  await store.append('lobby', 0, [
    { ...m1!, senderId: 'a#b', clientId: 'c' },
    { ...m2!, senderId: 'a', clientId: 'b#c' },
  ])
  t.equal((await store.findByClientId('lobby', 'a#b', 'c'))?.seq, 1)
  t.equal((await store.findByClientId('lobby', 'a', 'b#c'))?.seq, 2)
  t.equal(await store.findByClientId('lobby', 'a%23b', 'c'), undefined)
})

t.test('the head is conditional: two store instances never write a seq twice', async (t) => {
  const { tables, store: a } = await setup(t)
  const b = await openStore(local.endpoint, tables, { createTables: false })
  t.teardown(() => b.close())
  // Both believe the same head each round; exactly one batch per round gets in.
  let head = 0
  for (let round = 0; round < 20; round++) {
    const fromA = messages('lobby', head + 1, 3, 'alice').map((m) => ({
      ...m,
      id: `a${round}-${m.seq}`,
      clientId: `a${round}-${m.seq}`,
    }))
    const fromB = messages('lobby', head + 1, 2, 'bob').map((m) => ({
      ...m,
      id: `b${round}-${m.seq}`,
      clientId: `b${round}-${m.seq}`,
    }))
    const results = await Promise.allSettled([a.append('lobby', head, fromA), b.append('lobby', head, fromB)])
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []))
    t.equal(won.length, 1, `round ${round}: one winner`)
    for (const r of results) if (r.status === 'rejected') t.type(r.reason, SeqConflictError)
    head += won[0] === 0 ? 3 : 2
  }
  const page = await a.readPage('lobby', { after: 0, limit: 100 })
  t.same(
    page.messages.map((m) => m.seq),
    Array.from({ length: head }, (_, i) => i + 1),
    'seqs 1..head, each once, no gap',
  )
  t.equal((await b.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq, head)
})

t.test('a lost response: the retry finds the transaction committed and succeeds', async (t) => {
  const { tables, store, faulty } = await setup(t)
  faulty.inject('TransactWriteCommand', 'lose-response', [1])
  await store.append('lobby', 0, messages('lobby', 1, 3))
  t.equal(faulty.count('TransactWriteCommand'), 2, 'sent twice')
  t.equal(await count(tables, 'ROOM#lobby'), 1 + 3 * 2 + 1, 'stored once')
  t.equal((await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq, 3)
})

t.test('a lost response without the request token: read-back confirms the batch', async (t) => {
  const { tables, store, faulty } = await setup(t)
  faulty.stripRequestToken = true
  faulty.inject('TransactWriteCommand', 'lose-response', [1])
  await store.append('lobby', 0, messages('lobby', 1, 3))
  t.same(
    faulty.log.slice(-3),
    ['TransactWriteCommand', 'GetCommand', 'QueryCommand'],
    'the retry failed its condition, then read back',
  )
  t.equal(await count(tables, 'ROOM#lobby'), 8, 'stored once')
  // A different batch at the same head is still a conflict, even one sharing the first message.
  await t.rejects(store.append('lobby', 0, messages('lobby', 1, 2)), SeqConflictError)
  await t.rejects(store.append('lobby', 0, messages('lobby', 1, 1)), SeqConflictError)
})

t.test('committed but unconfirmed: append rejects; the caller resending the batch succeeds', async (t) => {
  const { store, faulty } = await setup(t, { retry: { maxAttempts: 3 } })
  faulty.stripRequestToken = true
  // Attempt 1 commits and loses its answer; attempts 2 and 3 are throttled: nothing confirms it.
  faulty.inject('TransactWriteCommand', 'lose-response', [1])
  faulty.inject('TransactWriteCommand', 'throttle', [2, 3])
  await t.rejects(store.append('lobby', 0, messages('lobby', 1, 2)), {
    name: 'StoreUnavailableError',
    cause: { name: 'ProvisionedThroughputExceededException' },
  })
  // The room answers `unavailable`; the resend (same batch) finds it committed.
  await store.append('lobby', 0, messages('lobby', 1, 2))
  t.equal((await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq, 2, 'stored once')
  t.equal((await store.readPage('lobby', { limit: 10 })).messages.length, 2)
})

t.test('throttling is retried within the bound, with full-jitter backoff', async (t) => {
  const delays: number[] = []
  const { store, faulty } = await setup(t, {
    retry: {
      maxAttempts: 5,
      baseDelayMs: 10,
      maxDelayMs: 50,
      random: () => 0.5,
      sleep: async (ms) => void delays.push(ms),
    },
  })
  faulty.inject('TransactWriteCommand', 'throttle', [1, 2, 3, 4])
  await store.append('lobby', 0, messages('lobby', 1, 2))
  t.same(delays, [5, 10, 20, 25], 'random * min(cap, base * 2^n)')
  t.equal((await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq, 2)
})

t.test('throttled past the bound: rejects and nothing is half-stored', async (t) => {
  const { tables, store, faulty } = await setup(t, { retry: { maxAttempts: 3 } })
  await store.append('lobby', 0, messages('lobby', 1, 1))
  faulty.inject('TransactWriteCommand', 'throttle', [2, 3, 4])
  await t.rejects(store.append('lobby', 1, messages('lobby', 2, 5)), {
    name: 'StoreUnavailableError',
    cause: { name: 'ProvisionedThroughputExceededException' },
  })
  t.equal(faulty.count('TransactWriteCommand'), 4, 'three attempts, then gave up')
  t.equal(await count(tables, 'ROOM#lobby'), 4, 'only the first message, its key, its index and the head')
  t.equal((await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq, 1)
  await store.append('lobby', 1, messages('lobby', 2, 5))
  t.pass('the same batch goes in once DynamoDB takes writes again')
})

t.test('the Nth call fails with a non-retryable error: rejected at once, nothing stored', async (t) => {
  const { tables, store, faulty } = await setup(t)
  faulty.inject('TransactWriteCommand', 'fail', [2])
  await store.append('lobby', 0, messages('lobby', 1, 1))
  await t.rejects(store.append('lobby', 1, messages('lobby', 2, 3)), {
    name: 'StoreUnavailableError',
    cause: { name: 'ValidationException' },
  })
  t.equal(faulty.count('TransactWriteCommand'), 2, 'not retried')
  t.equal(await count(tables, 'ROOM#lobby'), 4)
  faulty.inject('QueryCommand', 'throttle', [1])
  t.equal((await store.readPage('lobby', { limit: 10 })).messages.length, 1, 'reads are retried too')
})

t.test('a hung request is abandoned after attemptTimeoutMs and retried', async (t) => {
  // Only the injected hangs see the 20 ms deadline: FaultySender sends healthy calls (the retry
  // that must succeed, the setup) without the store's abort signal, so how fast DynamoDB Local
  // answers on a loaded machine decides nothing here.
  const { store, faulty } = await setup(t, { attemptTimeoutMs: 20, retry: { maxAttempts: 2 } })
  faulty.inject('TransactWriteCommand', 'hang', [1])
  await store.append('lobby', 0, messages('lobby', 1, 1))
  t.equal(faulty.count('TransactWriteCommand'), 2, 'the hung attempt, then the retry that went in')
  faulty.inject('TransactWriteCommand', 'hang', [3, 4])
  await t.rejects(store.append('lobby', 1, messages('lobby', 2, 1)), {
    name: 'StoreUnavailableError',
    cause: { name: 'TimeoutError' },
  })
  t.equal(faulty.count('TransactWriteCommand'), 4, 'two hung attempts, no third')
  t.equal((await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })).seq, 1)
})

t.test('a batch larger than one transaction is refused before anything is sent', async (t) => {
  const { store, faulty } = await setup(t)
  t.equal(MAX_APPEND_BATCH, 48, '(100 items - head - seq index - owner check) / 2')
  await t.rejects(store.append('lobby', 0, messages('lobby', 1, MAX_APPEND_BATCH + 1)), BatchTooLargeError)
  t.equal(faulty.count('TransactWriteCommand'), 0)
  await store.append('lobby', 0, messages('lobby', 1, MAX_APPEND_BATCH))
  t.equal((await store.readPage('lobby', { limit: 100 })).messages.length, MAX_APPEND_BATCH, 'exactly the limit fits')
  const { epoch } = await store.claimRoom('lobby', 'n1')
  await store.append('lobby', MAX_APPEND_BATCH, messages('lobby', MAX_APPEND_BATCH + 1, MAX_APPEND_BATCH), epoch)
  t.equal(
    (await store.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq,
    2 * MAX_APPEND_BATCH,
    'and with the owner check: 99 items',
  )
})

t.test('pages stay right when TTL removed the seq index', async (t) => {
  const { tables, store } = await setup(t)
  for (let i = 0; i < 4; i++) await store.append('lobby', i * 5, messages('lobby', i * 5 + 1, 5))
  const docs = docClient(local.endpoint)
  t.teardown(() => docs.destroy())
  await docs.send(
    new DeleteCommand({ TableName: tables.coreTable, Key: { PK: 'ROOM#lobby', SK: 'SEQ#0000000000000006' } }),
  )
  // A store that did not write the room, so its seq index cache holds nothing.
  const reader = await openStore(local.endpoint, tables, { createTables: false })
  t.teardown(() => reader.close())
  const seqs = async (q: { before?: number; after?: number; limit: number }) => {
    const p = await reader.readPage('lobby', q)
    return { seqs: p.messages.map((m) => m.seq), more: p.more }
  }
  t.same(await seqs({ before: 8, limit: 3 }), { seqs: [5, 6, 7], more: true })
  t.same(await seqs({ after: 7, limit: 3 }), { seqs: [8, 9, 10], more: true })
  t.same(await seqs({ after: 3, limit: 3 }), { seqs: [4, 5, 6], more: true }, 'other batches use the index')
  t.same(await seqs({ before: 3, limit: 3 }), { seqs: [1, 2], more: false }, 'and from its cache, the same answer')
  t.same(
    (await store.readPage('lobby', { before: 8, limit: 3 })).messages.map((m) => m.seq),
    [5, 6, 7],
    'the writer, from its cache',
  )
})

t.test('membership is cached briefly, and a revocation through the store is never served', async (t) => {
  let now = 1_000
  const { tables, store } = await setup(t, { membershipCacheMs: 5_000, now: () => now })
  await store.putGuildMember('g', 'erin')
  t.equal(await store.isGuildMember('g', 'erin'), true)
  t.equal(await store.deleteGuildMember('g', 'erin'), true)
  t.equal(await store.isGuildMember('g', 'erin'), false, 'revoked through the store: at once')

  await store.putRoomMember('secret', 'erin')
  t.equal(await store.isRoomMember('secret', 'erin'), true)
  await store.deleteRoomMember('secret', 'erin')
  t.equal(await store.isRoomMember('secret', 'erin'), false)

  // Written elsewhere (an operator, another node): seen once the entry expires.
  await raw.send(
    new PutItemCommand({ TableName: tables.guildTable, Item: { PK: { S: 'GUILD#g' }, SK: { S: 'MEMBER#erin' } } }),
  )
  t.equal(await store.isGuildMember('g', 'erin'), false, 'cached answer within the TTL')
  now += 5_000
  t.equal(await store.isGuildMember('g', 'erin'), true, 'fresh after the TTL')

  await store.putRoom({ roomId: 'secret', visibility: 'public' })
  t.same(await store.getRoom('secret'), { roomId: 'secret', visibility: 'public' })
  await store.putRoom({ roomId: 'secret', visibility: 'private' })
  t.same(
    await store.getRoom('secret'),
    { roomId: 'secret', visibility: 'private' },
    'room writes go through the cache too',
  )
})

t.test(
  'member listings read the MEMBER# keys (items written directly are listed); closing a room is a flag on META',
  async (t) => {
    const { tables, store } = await setup(t)
    // Another service writes membership items with no attributes at all (docs/protocol.md "Room ids").
    for (const u of ['svc-b', 'svc-a']) {
      await raw.send(
        new PutItemCommand({ TableName: tables.guildTable, Item: { PK: { S: 'GUILD#g' }, SK: { S: `MEMBER#${u}` } } }),
      )
    }
    await store.putGuildMember('g', 'alice')
    await store.append('GUILD#g', 0, messages('GUILD#g', 1, 3)) // other items of the partition are not members
    t.same(await store.listGuildMembers('g', { limit: 2 }), { members: ['alice', 'svc-a'], next: 'svc-a' })
    t.same(await store.listGuildMembers('g', { limit: 2, after: 'svc-a' }), { members: ['svc-b'] })

    await store.putRoom({ roomId: 'hall', visibility: 'public' })
    t.equal(await store.closeRoom('hall'), true)
    const [meta] = (await partition(tables.coreTable, 'ROOM#hall')).filter((i) => i.SK?.S === 'META')
    t.same(meta?.closed, { BOOL: true })
    await store.putRoom({ roomId: 'hall', visibility: 'private' })
    const [reopened] = (await partition(tables.coreTable, 'ROOM#hall')).filter((i) => i.SK?.S === 'META')
    t.equal(reopened?.closed, undefined, 'putRoom removes the flag')
    t.equal(await store.closeRoom('nowhere'), false)
    t.equal(await count(tables, 'ROOM#nowhere'), 0, 'closing a room that does not exist writes nothing')
  },
)

t.test("the owner item: OWNER in the room's partition, outside every range a read walks", async (t) => {
  const { tables, store } = await setup(t)
  await store.putRoom({ roomId: 'lobby', visibility: 'private' })
  await store.putRoomMember('lobby', 'carol')
  const { epoch } = await store.claimRoom('lobby', 'n1')
  await store.append('lobby', 0, messages('lobby', 1, 2), epoch)
  const owner = () => partition(tables.coreTable, 'ROOM#lobby').then((items) => items.find((i) => i.SK?.S === 'OWNER'))
  t.same(await owner(), {
    PK: { S: 'ROOM#lobby' },
    SK: { S: 'OWNER' },
    type: { S: 'Owner' },
    node: { S: 'n1' },
    epoch: { N: '1' },
  })
  t.equal(await store.releaseRoom('lobby', 'n1', 1), true)
  t.same(
    await owner(),
    { PK: { S: 'ROOM#lobby' }, SK: { S: 'OWNER' }, type: { S: 'Owner' }, epoch: { N: '1' }, releasedBy: { S: 'n1' } },
    'released: no node, who released',
  )
  await store.claimRoom('lobby', 'n2')
  t.same(
    await owner(),
    { PK: { S: 'ROOM#lobby' }, SK: { S: 'OWNER' }, type: { S: 'Owner' }, node: { S: 'n2' }, epoch: { N: '2' } },
    'claimed again',
  )

  // No read meets it: snapshot, pages both ways, members, room listing.
  const snap = await store.loadRoom('lobby', { recentLimit: 10, idempotencySince: 0 })
  t.same([snap.seq, snap.recent.map((m) => m.seq), snap.idempotent.map((m) => m.seq)], [2, [1, 2], [1, 2]])
  t.same(
    (await store.readPage('lobby', { limit: 10 })).messages.map((m) => m.seq),
    [1, 2],
  )
  t.same(
    (await store.readPage('lobby', { after: 0, limit: 10 })).messages.map((m) => m.seq),
    [1, 2],
  )
  t.same(
    (await store.readPage('lobby', { after: 1, limit: 10 })).messages.map((m) => m.seq),
    [2],
  )
  t.same(
    (await store.readPage('lobby', { before: 3, limit: 10 })).messages.map((m) => m.seq),
    [1, 2],
  )
  t.same(await store.listRoomMembers('lobby', { limit: 10 }), { members: ['carol'] })
  t.same(await store.listRooms(), [{ roomId: 'lobby', visibility: 'private' }])

  await store.claimRoom('GUILD#g', 'n1')
  const guild = await partition(tables.guildTable, 'GUILD#g')
  t.same(
    guild.map((i) => i.SK?.S),
    ['OWNER'],
    "a guild room's owner item is in the guild table, its partition",
  )
  t.equal(await count(tables, 'ROOM#GUILD#g'), 0)
})

t.test('a fenced append is one transaction with the owner check last; its refusal stores nothing', async (t) => {
  const { tables, store, faulty } = await setup(t)
  const sent: object[] = []
  const spy: DocSender = {
    send: (c, o) => {
      sent.push(c)
      return faulty.send(c, o)
    },
  }
  const spied = await openStore(local.endpoint, tables, { createTables: false, client: spy })
  t.teardown(() => spied.close())
  const { epoch } = await spied.claimRoom('lobby', 'n1')
  await spied.append('lobby', 0, messages('lobby', 1, 2), epoch)
  const input = (
    sent.at(-1) as {
      input: {
        TransactItems: Record<
          string,
          { Key?: unknown; ConditionExpression?: string; ExpressionAttributeValues?: unknown }
        >[]
      }
    }
  ).input
  t.equal(input.TransactItems.length, 1 + 2 * 2 + 1 + 1, 'head, 2 x (message, key), seq index, owner check')
  t.same(input.TransactItems.at(-1), {
    ConditionCheck: {
      TableName: tables.coreTable,
      Key: { PK: 'ROOM#lobby', SK: 'OWNER' },
      ConditionExpression: '#epoch = :fence',
      ExpressionAttributeNames: { '#epoch': 'epoch' },
      ExpressionAttributeValues: { ':fence': epoch },
    },
  })
  await spied.append('lobby', 2, messages('lobby', 3, 1))
  t.equal(
    (sent.at(-1) as { input: { TransactItems: unknown[] } }).input.TransactItems.length,
    1 + 2 + 1,
    'without a fence: no owner check',
  )

  await store.claimRoom('lobby', 'n2')
  const before = await count(tables, 'ROOM#lobby')
  await t.rejects(spied.append('lobby', 3, messages('lobby', 4, 3), epoch), FencedError)
  t.equal(await count(tables, 'ROOM#lobby'), before, 'not one item written')
})

/** Sends every call on; on the `nth` TransactWrite, lets it commit, runs `between`, then loses its answer. */
class LoseThenRun implements DocSender {
  private transactions = 0
  private readonly inner: DocSender
  private readonly nth: number
  private readonly between: () => Promise<unknown>
  constructor(inner: DocSender, nth: number, between: () => Promise<unknown>) {
    this.inner = inner
    this.nth = nth
    this.between = between
  }
  async send(command: object, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    if (command.constructor.name !== 'TransactWriteCommand' || ++this.transactions !== this.nth)
      return this.inner.send(command, options)
    // No request token: the retry is a new request to DynamoDB and must be read back.
    delete (command as { input: { ClientRequestToken?: string } }).input.ClientRequestToken
    await this.inner.send(command)
    await this.between()
    throw Object.assign(new Error('injected lost response'), { name: 'TimeoutError' })
  }
}

t.test(
  'a fenced append whose answer was lost, and the room claimed before the retry: it was stored, so it succeeds',
  async (t) => {
    const { tables, store: other } = await setup(t)
    const node = await openStore(local.endpoint, tables, {
      createTables: false,
      client: new LoseThenRun(docClient(local.endpoint), 2, () => other.claimRoom('lobby', 'n2')),
    })
    t.teardown(() => node.close())
    const { epoch } = await node.claimRoom('lobby', 'n1')
    await node.append('lobby', 0, messages('lobby', 1, 1), epoch)
    // Attempt 1 of this append commits under epoch 1; n2 claims; the retry fails head AND fence.
    await node.append('lobby', 1, messages('lobby', 2, 2), epoch)
    t.same(
      (await other.readPage('lobby', { limit: 10 })).messages.map((m) => m.seq),
      [1, 2, 3],
      'stored once',
    )
    // The next one is refused: n1 no longer owns the room.
    await t.rejects(node.append('lobby', 3, messages('lobby', 4, 1), epoch), FencedError)
    t.equal((await other.loadRoom('lobby', { recentLimit: 1, idempotencySince: 0 })).seq, 3)
  },
)

t.test('a release whose answer was lost is still true on the retry', async (t) => {
  const { store, faulty } = await setup(t)
  const { epoch } = await store.claimRoom('lobby', 'n1')
  faulty.inject('UpdateCommand', 'lose-response', [faulty.count('UpdateCommand') + 1])
  t.equal(await store.releaseRoom('lobby', 'n1', epoch), true)
  t.same(await store.roomOwnership('lobby'), { epoch })
})
