/**
 * The writes that keep a user's room index (`USER#<userId>` / `ROOM#<roomId>`, core table) in
 * step with what it lists, for general rooms (docs/storage.md "Conversations and my rooms"):
 *
 * - a private-room membership and its index entry are put and deleted together, in one
 *   transaction (membership changes are admin operations: rare, so 2 items at transaction
 *   price cost little), so no crash leaves a member unlisted or a listing without membership;
 * - a read marker's index entry is written with the marker's creation, in one transaction,
 *   and only then: moving an existing marker stays the one conditional UpdateItem it was.
 */
import { TransactWriteCommand, UpdateCommand, type UpdateCommandOutput } from '@aws-sdk/lib-dynamodb'
import type { Io } from './client.ts'
import { isConditionFailure, userRoomItem } from './conversations.ts'
import { memberSk, readSk, type RoomKey, userPk, userRoomSk } from './keys.ts'

export interface RoomContext {
  io: Io
  /** The room's table (the core table: only general rooms are indexed). */
  table: string
  key: RoomKey
}

/** The member item (an update: attributes others wrote stay) and the index entry, together. */
export async function putMember(ctx: RoomContext, roomId: string, userId: string): Promise<void> {
  await ctx.io.send(
    () =>
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: ctx.table,
              Key: { PK: ctx.key.pk, SK: memberSk(userId) },
              UpdateExpression: 'SET #userId = :u',
              ExpressionAttributeNames: { '#userId': 'userId' },
              ExpressionAttributeValues: { ':u': userId },
            },
          },
          { Put: { TableName: ctx.table, Item: userRoomItem(userId, roomId) } },
        ],
      }),
  )
}

/** Both items go, or (no member item) nothing does: `false`. */
export async function deleteMember(ctx: RoomContext, roomId: string, userId: string): Promise<boolean> {
  try {
    await ctx.io.send(
      () =>
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: ctx.table,
                Key: { PK: ctx.key.pk, SK: memberSk(userId) },
                ConditionExpression: 'attribute_exists(SK)',
              },
            },
            { Delete: { TableName: ctx.table, Key: { PK: userPk(userId), SK: userRoomSk(roomId) } } },
          ],
        }),
    )
    return true
  } catch (err) {
    if (isConditionFailure(err)) return false
    throw err
  }
}

/** A number from a document-client attribute or a raw one (`{N: "3"}`: errors are not unmarshalled). */
const numberOf = (value: unknown): number =>
  typeof value === 'number' ? value : Number((value as { N?: string } | undefined)?.N ?? 0)

/**
 * Move the marker forward: one UpdateItem on an existing marker (the steady state, as before
 * the index). Only when none exists is it created with its index entry in one transaction; a
 * creation racing it makes the transaction fail, and the update is tried again.
 */
export async function advanceMarker(
  ctx: RoomContext,
  roomId: string,
  userId: string,
  seq: number,
  read: () => Promise<Record<string, unknown> | undefined>,
): Promise<number> {
  // Each round either settles or meets another writer's change; a few rounds end any race.
  for (let round = 0; round < MARKER_ROUNDS; round++) {
    try {
      const out = await ctx.io.send<UpdateCommandOutput>(
        () =>
          new UpdateCommand({
            TableName: ctx.table,
            Key: { PK: ctx.key.pk, SK: readSk(userId) },
            UpdateExpression: 'SET #seq = :seq',
            ConditionExpression: 'attribute_exists(#seq) AND #seq < :seq',
            ExpressionAttributeNames: { '#seq': 'seq' },
            ExpressionAttributeValues: { ':seq': seq },
            ReturnValues: 'UPDATED_NEW',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          }),
      )
      return Number(out.Attributes?.seq ?? seq)
    } catch (err) {
      if (!isConditionFailure(err)) throw err
      // Not moved: at or past `seq` already (the failure carries the item), or no marker.
      const old = (err as { Item?: Record<string, unknown> }).Item ?? (await read())
      if (old !== undefined && numberOf(old.seq) >= seq) return numberOf(old.seq)
      // Created by another writer since, below `seq`: move it (next round).
      if (old !== undefined) continue
    }
    try {
      await ctx.io.send(
        () =>
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: ctx.table,
                  Item: { PK: ctx.key.pk, SK: readSk(userId), seq, type: 'ReadMarker' },
                  ConditionExpression: 'attribute_not_exists(SK)',
                },
              },
              { Put: { TableName: ctx.table, Item: userRoomItem(userId, roomId) } },
            ],
          }),
      )
      return seq
    } catch (err) {
      if (!isConditionFailure(err)) throw err
    }
  }
  return numberOf((await read())?.seq)
}

/** Rounds of `advanceMarker` before it answers with the marker as it stands. */
const MARKER_ROUNDS = 5
