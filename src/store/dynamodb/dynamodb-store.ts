/**
 * The production Store on DynamoDB (docs/storage.md "## DynamoDB store"). General rooms in the
 * core table under `ROOM#<roomId>`, guild rooms in the guild table under `GUILD#<guildId>`;
 * every item of a room in its partition (keys.ts). Group commit in append.ts, pages in pages.ts.
 */
import { DeleteCommand, GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type {
  DeleteCommandOutput,
  GetCommandOutput,
  ScanCommandOutput,
  UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb'
import type {
  ConversationAnswer,
  IdPage,
  NewConversation,
  RoomHead,
  LoadOptions,
  MemberPage,
  MemberQuery,
  Page,
  PageQuery,
  RoomClaim,
  RoomOwnership,
  RoomRecord,
  RoomSnapshot,
  StoredMessage,
  Store,
  Visibility,
} from '../../../actors/store.ts'
import { appendBatch, MAX_APPEND_BATCH, type AppendContext } from './append.ts'
import { Io, makeDocClient } from './client.ts'
import { resolveConfig, type DocSender, type DynamoStoreOptions, type ResolvedConfig } from './config.ts'
import { toMessage } from './items.ts'
import {
  guildPk,
  EVENTS_SK,
  HEAD_SK,
  idemSk,
  MEMBER_PREFIX,
  memberSk,
  META_SK,
  PAIR_SK,
  MSG_END,
  MSG_PREFIX,
  readSk,
  roomKey,
  tsFloor,
  type RoomKey,
  type TableKind,
} from './keys.ts'
import { DynamoLeaseStore, type LeaseOptions } from './leases.ts'
import { LookupCache } from './lookup-cache.ts'
import * as ownership from './ownership.ts'
import { readPage } from './pages.ts'
import { SeqIndexCache } from './seq-index-cache.ts'
import { defaultRetryPolicy } from './retry.ts'
import { createTables, CREATE_TABLES } from './tables.ts'
import { DynamoDevices } from './devices.ts'
import { deviceRules } from '../../notifier/device-rules.ts'
import type { Device, DeviceStore, PutDeviceAnswer } from '../../notifier/ports.ts'
import { createConversation } from './conversations.ts'
import * as myRooms from './my-rooms.ts'
import type { TablesContext } from './my-rooms.ts'
import * as userIndex from './user-index.ts'

export class DynamoStore implements Store, DeviceStore {
  /** Most messages one `append` takes: 48, whose 99 items fit one transaction of at most 100 (append.ts). */
  readonly maxBatchSize = MAX_APPEND_BATCH
  readonly config: ResolvedConfig
  private readonly io: Io
  private readonly ownsClient: boolean
  private readonly members: LookupCache<boolean>
  private readonly rooms: LookupCache<RoomRecord | undefined>
  private readonly seqIndex: SeqIndexCache
  private readonly devices: DynamoDevices

  /** Use `DynamoStore.open` (it creates tables when asked). */
  constructor(opts: DynamoStoreOptions = {}) {
    this.config = resolveConfig(opts)
    this.ownsClient = opts.client === undefined
    const client: DocSender = opts.client ?? makeDocClient(opts)
    this.io = new Io(client, { ...defaultRetryPolicy, ...opts.retry }, this.config.attemptTimeoutMs)
    this.members = new LookupCache(this.config.membershipCacheMs, this.config.now)
    this.rooms = new LookupCache(this.config.membershipCacheMs, this.config.now)
    this.seqIndex = new SeqIndexCache(this.config.seqIndexCacheRooms)
    this.devices = new DynamoDevices(this.io, this.config.coreTable, deviceRules(opts.devices), this.config.now)
  }

  static async open(opts: DynamoStoreOptions = {}): Promise<DynamoStore> {
    const store = new DynamoStore(opts)
    if (opts.createTables) {
      await createTables(store.io.client, CREATE_TABLES(store.config.coreTable, store.config.guildTable))
    }
    return store
  }

  private table(kind: TableKind): string {
    return kind === 'core' ? this.config.coreTable : this.config.guildTable
  }

  private ctx(roomId: string): AppendContext & { key: RoomKey } {
    const key = roomKey(roomId)
    return {
      io: this.io,
      table: this.table(key.table),
      key,
      ttlDays: this.config.messageTtlDays,
      seqIndex: this.seqIndex,
    }
  }

  private async get(table: string, PK: string, SK: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.io.send<GetCommandOutput>(
      () => new GetCommand({ TableName: table, Key: { PK, SK }, ConsistentRead: true }),
    )
    return out.Item
  }

  async loadRoom(roomId: string, opts: LoadOptions): Promise<RoomSnapshot> {
    const { io, table, key } = this.ctx(roomId)
    const range = (from: string, forward: boolean) => ({
      TableName: table,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': key.pk, ':from': from, ':to': MSG_END },
      ScanIndexForward: forward,
    })
    const [head, newest] = await Promise.all([
      this.get(table, key.pk, HEAD_SK),
      opts.recentLimit > 0 ? io.query(range(MSG_PREFIX, false), opts.recentLimit) : Promise.resolve([]),
    ])
    const recent = newest.map(toMessage).reverse()
    // The window is usually inside `recent`: read it again only when it reaches further back.
    const covered =
      recent.length < opts.recentLimit || (recent[0] !== undefined && recent[0].ts < opts.idempotencySince)
    const idempotent = covered
      ? recent.filter((m) => m.ts >= opts.idempotencySince)
      : (await io.query(range(tsFloor(Math.max(0, opts.idempotencySince)), true))).map(toMessage)
    return { seq: Number(head?.seq ?? 0), lastTs: Number(head?.lastTs ?? 0), recent, idempotent }
  }

  append(roomId: string, expectedSeq: number, batch: StoredMessage[], fence?: number): Promise<void> {
    return appendBatch(this.ctx(roomId), roomId, expectedSeq, batch, fence)
  }

  claimRoom(roomId: string, node: string): Promise<RoomClaim> {
    return ownership.claimRoom(this.ctx(roomId), node)
  }

  releaseRoom(roomId: string, node: string, epoch: number): Promise<boolean> {
    return ownership.releaseRoom(this.ctx(roomId), node, epoch)
  }

  roomOwnership(roomId: string): Promise<RoomOwnership> {
    return ownership.roomOwnership(this.ctx(roomId))
  }

  /**
   * The cluster's node leases, in this store's core table through this store's client (same
   * retries and timeouts). Closing the store closes the client they share.
   */
  leases(opts: LeaseOptions = {}): DynamoLeaseStore {
    return new DynamoLeaseStore(this.io, this.config.coreTable, opts)
  }

  // Devices and push claims (DeviceStore, src/notifier/ports.ts): devices.ts.
  putDevice(userId: string, device: Device): Promise<PutDeviceAnswer> {
    return this.devices.putDevice(userId, device)
  }

  deleteDevice(userId: string, deviceId: string): Promise<void> {
    return this.devices.deleteDevice(userId, deviceId)
  }

  listDevices(userId: string): Promise<Device[]> {
    return this.devices.listDevices(userId)
  }

  claimPush(messageId: string, userId: string, deviceId: string): Promise<boolean> {
    return this.devices.claimPush(messageId, userId, deviceId)
  }

  releasePush(messageId: string, userId: string, deviceId: string): Promise<void> {
    return this.devices.releasePush(messageId, userId, deviceId)
  }

  readPage(roomId: string, query: PageQuery): Promise<Page> {
    return readPage(this.ctx(roomId), query)
  }

  async findByClientId(roomId: string, senderId: string, clientId: string): Promise<StoredMessage | undefined> {
    const { table, key } = this.ctx(roomId)
    const idem = await this.get(table, key.pk, idemSk(senderId, clientId))
    if (!idem) return undefined
    // The message may have expired (TTL) a moment before its key: then it is not stored.
    const message = await this.get(table, key.pk, String(idem.messageSk))
    return message ? toMessage(message) : undefined
  }

  async getReadMarker(roomId: string, userId: string): Promise<number> {
    const { table, key } = this.ctx(roomId)
    return Number((await this.get(table, key.pk, readSk(userId)))?.seq ?? 0)
  }

  async advanceReadMarker(roomId: string, userId: string, seq: number): Promise<number> {
    const { table, key } = this.ctx(roomId)
    // General rooms: the marker's creation also writes the user's room index entry.
    if (key.roomType === 'general') {
      return userIndex.advanceMarker({ io: this.io, table, key }, roomId, userId, seq, () =>
        this.get(table, key.pk, readSk(userId)),
      )
    }
    try {
      const out = await this.io.send<UpdateCommandOutput>(
        () =>
          new UpdateCommand({
            TableName: table,
            Key: { PK: key.pk, SK: readSk(userId) },
            UpdateExpression: 'SET #seq = :seq, #type = :type',
            // Forward only, decided by DynamoDB: two nodes racing cannot move it back.
            ConditionExpression: 'attribute_not_exists(#seq) OR #seq < :seq',
            ExpressionAttributeNames: { '#seq': 'seq', '#type': 'type' },
            ExpressionAttributeValues: { ':seq': seq, ':type': 'ReadMarker' },
            ReturnValues: 'UPDATED_NEW',
          }),
      )
      return Number(out.Attributes?.seq ?? seq)
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException')
        return this.getReadMarker(roomId, userId)
      throw err
    }
  }

  async getEventsCursor(roomId: string): Promise<number> {
    const { table, key } = this.ctx(roomId)
    return Number((await this.get(table, key.pk, EVENTS_SK))?.published ?? 0)
  }

  async advanceEventsCursor(roomId: string, seq: number): Promise<void> {
    const { table, key } = this.ctx(roomId)
    try {
      await this.io.send(
        () =>
          new UpdateCommand({
            TableName: table,
            Key: { PK: key.pk, SK: EVENTS_SK },
            UpdateExpression: 'SET #published = :seq',
            // Forward only, decided by DynamoDB: a former owner's late write cannot move it back.
            ConditionExpression: 'attribute_not_exists(#published) OR #published < :seq',
            ExpressionAttributeNames: { '#published': 'published' },
            ExpressionAttributeValues: { ':seq': seq },
          }),
      )
    } catch (err) {
      if (!(err instanceof Error && err.name === 'ConditionalCheckFailedException')) throw err
    }
  }

  getRoom(roomId: string): Promise<RoomRecord | undefined> {
    const key = roomKey(roomId)
    if (key.roomType !== 'general') return Promise.resolve(undefined)
    return this.rooms.get(roomId, async () => {
      const item = await this.get(this.config.coreTable, key.pk, META_SK)
      return item ? roomRecord(item) : undefined
    })
  }

  async putRoom(room: RoomRecord): Promise<boolean> {
    const key = roomKey(room.roomId)
    if (key.roomType !== 'general') throw new RangeError(`not a general room: ${room.roomId}`)
    const out = await this.io.send<UpdateCommandOutput>(
      () =>
        new UpdateCommand({
          TableName: this.config.coreTable,
          Key: { PK: key.pk, SK: META_SK },
          // The whole record is written: a room put without `closed` is open again.
          UpdateExpression: `SET #visibility = :v, #roomId = :r, #type = :type${room.closed ? ', #closed = :closed' : ' REMOVE #closed'}`,
          ExpressionAttributeNames: {
            '#visibility': 'visibility',
            '#roomId': 'roomId',
            '#type': 'type',
            '#closed': 'closed',
          },
          ExpressionAttributeValues: {
            ':v': room.visibility,
            ':r': room.roomId,
            ':type': 'Room',
            ...(room.closed && { ':closed': true }),
          },
          ReturnValues: 'ALL_OLD',
        }),
    )
    // What is stored now: this record, with the kind and members a conversation keeps.
    const { closed: _, ...kept } = out.Attributes ?? {}
    this.rooms.written(
      room.roomId,
      roomRecord({ ...kept, roomId: room.roomId, visibility: room.visibility, ...(room.closed && { closed: true }) }),
    )
    return out.Attributes === undefined
  }

  async createRoom(room: RoomRecord): Promise<boolean> {
    const key = roomKey(room.roomId)
    if (key.roomType !== 'general') throw new RangeError(`not a general room: ${room.roomId}`)
    try {
      await this.io.send(
        () =>
          new UpdateCommand({
            TableName: this.config.coreTable,
            Key: { PK: key.pk, SK: META_SK },
            UpdateExpression: 'SET #visibility = :v, #roomId = :r, #type = :type',
            // Only where no record exists: an admin's room (or a closed one) is never touched.
            ConditionExpression: 'attribute_not_exists(#visibility)',
            ExpressionAttributeNames: { '#visibility': 'visibility', '#roomId': 'roomId', '#type': 'type' },
            ExpressionAttributeValues: { ':v': room.visibility, ':r': room.roomId, ':type': 'Room' },
          }),
      )
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') {
        this.rooms.forget(room.roomId)
        return false
      }
      throw err
    }
    this.rooms.written(room.roomId, { roomId: room.roomId, visibility: room.visibility })
    return true
  }

  async closeRoom(roomId: string): Promise<boolean> {
    const key = roomKey(roomId)
    if (key.roomType !== 'general') throw new RangeError(`not a general room: ${roomId}`)
    try {
      const out = await this.io.send<UpdateCommandOutput>(
        () =>
          new UpdateCommand({
            TableName: this.config.coreTable,
            Key: { PK: key.pk, SK: META_SK },
            UpdateExpression: 'SET #closed = :closed',
            // Only an existing room: closing must not create a record.
            ConditionExpression: 'attribute_exists(#visibility)',
            ExpressionAttributeNames: { '#closed': 'closed', '#visibility': 'visibility' },
            ExpressionAttributeValues: { ':closed': true },
            ReturnValues: 'ALL_NEW',
          }),
      )
      this.rooms.written(roomId, roomRecord(out.Attributes ?? {}))
      return true
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') return false
      throw err
    }
  }

  /** Admin listing: a Scan of the core table (rooms have no common partition); not on a hot path. */
  async listRooms(): Promise<RoomRecord[]> {
    const rooms: RoomRecord[] = []
    let start: Record<string, unknown> | undefined
    do {
      const out = await this.io.send<ScanCommandOutput>(
        () =>
          new ScanCommand({
            TableName: this.config.coreTable,
            FilterExpression: 'SK = :meta',
            ExpressionAttributeValues: { ':meta': META_SK },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
      )
      for (const item of out.Items ?? []) rooms.push(roomRecord(item))
      start = out.LastEvaluatedKey
    } while (start)
    return rooms.sort((a, b) => (a.roomId < b.roomId ? -1 : a.roomId > b.roomId ? 1 : 0))
  }

  isRoomMember(roomId: string, userId: string): Promise<boolean> {
    const key = roomKey(roomId)
    return this.isMember(this.table(key.table), key.pk, userId)
  }

  async putRoomMember(roomId: string, userId: string): Promise<void> {
    const { table, key } = this.ctx(roomId)
    if (key.roomType !== 'general') return this.putMember(table, key.pk, userId)
    // With the user's room index entry, in one transaction (user-index.ts).
    await userIndex.putMember({ io: this.io, table, key }, roomId, userId)
    this.members.written(`${table}\n${key.pk}\n${userId}`, true)
  }

  async deleteRoomMember(roomId: string, userId: string): Promise<boolean> {
    const { table, key } = this.ctx(roomId)
    if (key.roomType !== 'general') return this.deleteMember(table, key.pk, userId)
    try {
      return await userIndex.deleteMember({ io: this.io, table, key }, roomId, userId)
    } finally {
      // Even if the delete's outcome is unknown, stop serving the member from cache.
      this.members.written(`${table}\n${key.pk}\n${userId}`, false)
    }
  }

  listRoomMembers(roomId: string, query: MemberQuery): Promise<MemberPage> {
    const key = roomKey(roomId)
    return this.listMembers(this.table(key.table), key.pk, query)
  }

  isGuildMember(guildId: string, userId: string): Promise<boolean> {
    return this.isMember(this.config.guildTable, guildPk(guildId), userId)
  }

  putGuildMember(guildId: string, userId: string): Promise<void> {
    return this.putMember(this.config.guildTable, guildPk(guildId), userId)
  }

  deleteGuildMember(guildId: string, userId: string): Promise<boolean> {
    return this.deleteMember(this.config.guildTable, guildPk(guildId), userId)
  }

  listGuildMembers(guildId: string, query: MemberQuery): Promise<MemberPage> {
    return this.listMembers(this.config.guildTable, guildPk(guildId), query)
  }

  /**
   * One Query on the `MEMBER#` items of the partition, in key order (code points of the user
   * id), from just after the last id of the previous page. One item more than the page says
   * whether another page follows. The id comes from the key: items written directly by other
   * services may carry no attributes at all.
   */
  private async listMembers(table: string, pk: string, query: MemberQuery): Promise<MemberPage> {
    const items = await this.io.query(
      {
        TableName: table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :member)',
        ExpressionAttributeValues: { ':pk': pk, ':member': MEMBER_PREFIX },
        ...(query.after !== undefined && { ExclusiveStartKey: { PK: pk, SK: memberSk(query.after) } }),
      },
      query.limit + 1,
    )
    const members = items.slice(0, query.limit).map((item) => String(item.SK).slice(MEMBER_PREFIX.length))
    return items.length > query.limit && members.length > 0 ? { members, next: members.at(-1)! } : { members }
  }

  forgetAccess(roomId: string, userId?: string): void {
    const { table, key } = this.ctx(roomId)
    this.rooms.forget(roomId)
    if (userId !== undefined) this.members.forget(`${table}\n${key.pk}\n${userId}`)
  }

  private isMember(table: string, pk: string, userId: string): Promise<boolean> {
    return this.members.get(
      `${table}\n${pk}\n${userId}`,
      async () => (await this.get(table, pk, memberSk(userId))) !== undefined,
    )
  }

  private async putMember(table: string, pk: string, userId: string): Promise<void> {
    // An update, not a put: attributes operators or other services wrote on the item stay.
    await this.io.send<UpdateCommandOutput>(
      () =>
        new UpdateCommand({
          TableName: table,
          Key: { PK: pk, SK: memberSk(userId) },
          UpdateExpression: 'SET #userId = :u',
          ExpressionAttributeNames: { '#userId': 'userId' },
          ExpressionAttributeValues: { ':u': userId },
        }),
    )
    this.members.written(`${table}\n${pk}\n${userId}`, true)
  }

  private async deleteMember(table: string, pk: string, userId: string): Promise<boolean> {
    const cacheKey = `${table}\n${pk}\n${userId}`
    try {
      const out = await this.io.send<DeleteCommandOutput>(
        () => new DeleteCommand({ TableName: table, Key: { PK: pk, SK: memberSk(userId) }, ReturnValues: 'ALL_OLD' }),
      )
      return out.Attributes !== undefined
    } finally {
      // Even if the delete's outcome is unknown, stop serving the member from cache.
      this.members.written(cacheKey, false)
    }
  }

  // --- conversations and "my rooms" (conversations.ts, my-rooms.ts) ------------------------

  private get tables(): TablesContext {
    return { io: this.io, coreTable: this.config.coreTable, guildTable: this.config.guildTable }
  }

  createConversation(conversation: NewConversation): Promise<ConversationAnswer> {
    return createConversation(
      this.tables,
      conversation,
      async (pk) => {
        const item = await this.get(this.config.coreTable, pk, PAIR_SK)
        if (!item) return undefined
        return typeof item.nonce === 'string'
          ? { roomId: String(item.roomId), nonce: item.nonce }
          : { roomId: String(item.roomId) }
      },
      async (roomId) => {
        const item = await this.get(this.config.coreTable, roomKey(roomId).pk, META_SK)
        return item ? roomRecord(item) : undefined
      },
    )
  }

  listUserRooms(userId: string, query: MemberQuery): Promise<IdPage> {
    return myRooms.listUserRooms(this.tables, userId, query)
  }

  listUserGuilds(userId: string, query: MemberQuery): Promise<IdPage> {
    return myRooms.listUserGuilds(this.tables, userId, query)
  }

  roomHeads(roomIds: readonly string[]): Promise<Map<string, RoomHead>> {
    return myRooms.roomHeads(this.tables, roomIds)
  }

  roomRecords(roomIds: readonly string[]): Promise<Map<string, RoomRecord>> {
    return myRooms.roomRecords(this.tables, roomIds, roomRecord)
  }

  lastMessages(heads: ReadonlyMap<string, RoomHead>): Promise<Map<string, StoredMessage>> {
    return myRooms.lastMessages(this.tables, heads)
  }

  readMarkersOf(userId: string, roomIds: readonly string[]): Promise<Map<string, number>> {
    return myRooms.readMarkersOf(this.tables, userId, roomIds)
  }

  membershipsOf(userId: string, roomIds: readonly string[]): Promise<Set<string>> {
    return myRooms.membershipsOf(this.tables, userId, roomIds)
  }

  async close(): Promise<void> {
    if (this.ownsClient) (this.io.client as { destroy?: () => void }).destroy?.()
  }
}

function roomRecord(item: Record<string, unknown>): RoomRecord {
  const room: RoomRecord = { roomId: String(item.roomId), visibility: item.visibility as Visibility }
  if (item.closed === true) room.closed = true
  if (item.kind === 'conversation') room.kind = 'conversation'
  if (Array.isArray(item.members)) room.members = item.members.map(String)
  return room
}
