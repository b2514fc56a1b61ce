/**
 * Node leases on DynamoDB (docs/storage.md "Node leases"): one item per node in the core
 * table, `PK = CLUSTER, SK = NODE#<id>`, with `address`, `rooms` and `version` (raised by one
 * on every renewal). Liveness is judged by observers from whether `version` moves, on their own
 * monotonic clock (actors/cluster/ports.ts), never from a time written here. The `ttl` only
 * lets DynamoDB delete the items of nodes that died without removing theirs, a day later.
 */
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type { LeaseRenewal, LeaseStore, NodeLease } from '../../../actors/cluster/ports.ts'
import type { Io } from './client.ts'
import { TTL_ATTRIBUTE } from './config.ts'

export const CLUSTER_PK = 'CLUSTER'
export const NODE_PREFIX = 'NODE#'
export const nodeSk = (id: string): string => `${NODE_PREFIX}${id}`

export interface LeaseOptions {
  /** Seconds after the last renewal at which DynamoDB may delete a lease item (default a day). */
  expireAfterSeconds?: number
  /** Wall clock for `ttl` only (epoch ms); injectable for tests. */
  now?: () => number
}

export const DEFAULT_LEASE_EXPIRY_SECONDS = 86_400

export class DynamoLeaseStore implements LeaseStore {
  private readonly expireAfterSeconds: number
  private readonly now: () => number

  private readonly io: Io
  private readonly table: string
  constructor(io: Io, table: string, opts: LeaseOptions = {}) {
    this.io = io
    this.table = table
    this.expireAfterSeconds = opts.expireAfterSeconds ?? DEFAULT_LEASE_EXPIRY_SECONDS
    this.now = opts.now ?? Date.now
  }

  /**
   * One UpdateItem: `ADD version 1` creates the item at version 1 or raises it. A renewal
   * re-sent after a lost answer raises it twice: harmless, it only has to move.
   */
  async renew(lease: LeaseRenewal): Promise<void> {
    const ttl = Math.floor(this.now() / 1000) + this.expireAfterSeconds
    await this.io.send(
      () =>
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: CLUSTER_PK, SK: nodeSk(lease.id) },
          UpdateExpression: `SET #type = :type, #nodeId = :id, #address = :address, #rooms = :rooms, #ttl = :ttl${lease.proof === undefined ? '' : ', #proof = :proof'} ADD #version :one`,
          ExpressionAttributeNames: {
            '#type': 'type',
            '#nodeId': 'nodeId',
            '#address': 'address',
            '#rooms': 'rooms',
            '#ttl': TTL_ATTRIBUTE,
            '#version': 'version',
            ...(lease.proof === undefined ? {} : { '#proof': 'proof' }),
          },
          ExpressionAttributeValues: {
            ':type': 'NodeLease',
            ':id': lease.id,
            ':address': lease.address,
            ':rooms': lease.rooms,
            ':ttl': ttl,
            ':one': 1,
            ...(lease.proof === undefined ? {} : { ':proof': lease.proof }),
          },
        }),
    )
  }

  /** One consistent Query of the `CLUSTER` partition (pages followed), in node id order. */
  async list(): Promise<NodeLease[]> {
    const items = await this.io.query({
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :node)',
      ExpressionAttributeValues: { ':pk': CLUSTER_PK, ':node': NODE_PREFIX },
    })
    return items.map((item) => ({
      id: String(item.SK).slice(NODE_PREFIX.length),
      address: String(item.address ?? ''),
      rooms: Number(item.rooms ?? 0),
      version: Number(item.version ?? 0),
      ...(typeof item.proof === 'string' ? { proof: item.proof } : {}),
    }))
  }

  async remove(id: string): Promise<void> {
    await this.io.send(() => new DeleteCommand({ TableName: this.table, Key: { PK: CLUSTER_PK, SK: nodeSk(id) } }))
  }
}
