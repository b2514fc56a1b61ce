/**
 * Room ownership for the cluster (docs/storage.md "Ownership and fencing"): the item
 * `SK = OWNER` in the room's own partition, `node` (absent when released or never claimed),
 * `epoch` (N, only grows), `releasedBy` (who released it last, so a re-sent release is known).
 * DynamoDB's conditional writes decide every race; nothing here compares clocks.
 */
import { GetCommand, UpdateCommand, type GetCommandOutput, type UpdateCommandOutput } from '@aws-sdk/lib-dynamodb'
import type { RoomClaim, RoomOwnership } from '../../../actors/store.ts'
import type { Io } from './client.ts'
import { OWNER_SK, type RoomKey } from './keys.ts'

export interface OwnerContext {
  io: Io
  table: string
  key: RoomKey
}

const isConditionFailure = (err: unknown): boolean =>
  err instanceof Error && err.name === 'ConditionalCheckFailedException'

/**
 * One UpdateItem: `ADD epoch 1, SET node`, returning the item as it was. ADD is atomic, so
 * concurrent claims are serialised by DynamoDB and each gets its own epoch with the owner it
 * replaced, without a read first or a retry loop (a read-then-conditional-write would need
 * both, and could starve under contention). A claim re-sent after a lost answer raises the
 * epoch once more and names this node as the previous owner: the skipped epoch is held by no
 * one, so nothing can write with it.
 */
export async function claimRoom(ctx: OwnerContext, node: string): Promise<RoomClaim> {
  const out = await ctx.io.send<UpdateCommandOutput>(
    () =>
      new UpdateCommand({
        TableName: ctx.table,
        Key: { PK: ctx.key.pk, SK: OWNER_SK },
        UpdateExpression: 'SET #node = :node, #type = :type ADD #epoch :one REMOVE #releasedBy',
        ExpressionAttributeNames: { '#node': 'node', '#type': 'type', '#epoch': 'epoch', '#releasedBy': 'releasedBy' },
        ExpressionAttributeValues: { ':node': node, ':type': 'Owner', ':one': 1 },
        ReturnValues: 'ALL_OLD',
      }),
  )
  const previous = ownershipOf(out.Attributes)
  return { epoch: previous.epoch + 1, previous }
}

/**
 * Clears `node` only where it is `node` at `epoch` (the epoch stays). On a failed condition
 * the item is read: already released by this node at this epoch means an earlier attempt of
 * this very call went in and its answer was lost, so `true`; anything else is `false`.
 */
export async function releaseRoom(ctx: OwnerContext, node: string, epoch: number): Promise<boolean> {
  try {
    await ctx.io.send<UpdateCommandOutput>(
      () =>
        new UpdateCommand({
          TableName: ctx.table,
          Key: { PK: ctx.key.pk, SK: OWNER_SK },
          UpdateExpression: 'SET #releasedBy = :node REMOVE #node',
          ConditionExpression: '#node = :node AND #epoch = :epoch',
          ExpressionAttributeNames: { '#node': 'node', '#epoch': 'epoch', '#releasedBy': 'releasedBy' },
          ExpressionAttributeValues: { ':node': node, ':epoch': epoch },
        }),
    )
    return true
  } catch (err) {
    if (!isConditionFailure(err)) throw err
    const item = await readOwner(ctx)
    return item !== undefined && item.node === undefined && Number(item.epoch) === epoch && item.releasedBy === node
  }
}

/** A consistent read of the owner item. */
export async function roomOwnership(ctx: OwnerContext): Promise<RoomOwnership> {
  return ownershipOf(await readOwner(ctx))
}

async function readOwner(ctx: OwnerContext): Promise<Record<string, unknown> | undefined> {
  const out = await ctx.io.send<GetCommandOutput>(
    () => new GetCommand({ TableName: ctx.table, Key: { PK: ctx.key.pk, SK: OWNER_SK }, ConsistentRead: true }),
  )
  return out.Item
}

function ownershipOf(item: Record<string, unknown> | undefined): RoomOwnership {
  const epoch = Number(item?.epoch ?? 0)
  return typeof item?.node === 'string' ? { node: item.node, epoch } : { epoch }
}
