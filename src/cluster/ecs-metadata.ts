/**
 * This node's id and the address the others reach its link at. `NODE_ID` and
 * `ADVERTISE_HOST` win; what they leave unset comes from the ECS task metadata endpoint (v4)
 * when the task runs on ECS/Fargate (`ECS_CONTAINER_METADATA_URI_V4`): the task id (the last
 * segment of `TaskARN`) and the task's private IPv4 address. Without it, or when it fails: a
 * random id and 127.0.0.1 (nodes on one host), with a warning when the endpoint failed.
 */
import { randomBytes } from 'node:crypto'
import * as v from 'valibot'
import type { Logger } from '../../actors/ports.ts'
import { NODE_ID_PATTERN, type Env } from '../config.ts'

/** The metadata endpoint answers locally within milliseconds; a start must not hang on it. */
export const ECS_METADATA_TIMEOUT_MS = 2_000

export interface NodeIdentity {
  nodeId: string
  advertiseHost: string
}

export interface IdentityOptions {
  logger: Logger
  fetch?: typeof fetch
  timeoutMs?: number
  randomId?: () => string
}

export async function resolveNodeIdentity(
  configured: { nodeId?: string; advertiseHost?: string },
  env: Env,
  opts: IdentityOptions,
): Promise<NodeIdentity> {
  let nodeId = configured.nodeId
  let advertiseHost = configured.advertiseHost
  const nodeFrom = nodeId === undefined ? [] : ['NODE_ID']
  const hostFrom = advertiseHost === undefined ? [] : ['ADVERTISE_HOST']
  const uri = env.ECS_CONTAINER_METADATA_URI_V4
  if ((nodeId === undefined || advertiseHost === undefined) && uri) {
    try {
      const task = await readTask(uri, opts.fetch ?? fetch, opts.timeoutMs ?? ECS_METADATA_TIMEOUT_MS)
      if (nodeId === undefined) nodeFrom.push('ecs')
      if (advertiseHost === undefined && task.advertiseHost !== undefined) hostFrom.push('ecs')
      nodeId ??= task.nodeId
      advertiseHost ??= task.advertiseHost
      if (advertiseHost === undefined)
        opts.logger.warn('ecs_metadata_failed', { error: 'no IPv4 address in the task metadata' })
    } catch (err) {
      opts.logger.warn('ecs_metadata_failed', { error: (err as Error).message })
    }
  }
  const identity = { nodeId: nodeId ?? (opts.randomId ?? randomNodeId)(), advertiseHost: advertiseHost ?? '127.0.0.1' }
  opts.logger.info('node_identity', {
    node: identity.nodeId,
    advertiseHost: identity.advertiseHost,
    nodeFrom: nodeFrom[0] ?? 'random',
    hostFrom: hostFrom[0] ?? 'default',
  })
  return identity
}

export function randomNodeId(): string {
  return `node-${randomBytes(6).toString('hex')}`
}

const taskSchema = v.object({
  TaskARN: v.string(),
  Containers: v.optional(
    v.array(v.object({ Networks: v.optional(v.array(v.object({ IPv4Addresses: v.optional(v.array(v.string())) }))) })),
  ),
})

/** `GET ${uri}/task` → the task id and the first container network's first IPv4 address. */
async function readTask(uri: string, fetcher: typeof fetch, timeoutMs: number): Promise<Partial<NodeIdentity>> {
  const res = await fetcher(`${uri.replace(/\/+$/, '')}/task`, { signal: AbortSignal.timeout(timeoutMs) })
  if (!res.ok) throw new Error(`task metadata answered ${res.status}`)
  const parsed = v.safeParse(taskSchema, await res.json())
  if (!parsed.success) throw new Error('task metadata without TaskARN')
  const taskId = parsed.output.TaskARN.split('/').pop() ?? ''
  if (!NODE_ID_PATTERN.test(taskId)) throw new Error('task id is not a valid node id')
  const ip = parsed.output.Containers?.flatMap((c) => c.Networks ?? []).find((n) => n.IPv4Addresses?.[0])
    ?.IPv4Addresses?.[0]
  if (ip !== undefined && !/^[0-9.]{7,15}$/.test(ip)) throw new Error('task address is not an IPv4 address')
  return { nodeId: taskId, advertiseHost: ip }
}
