/**
 * Starts this node's end of the cluster (STORE=dynamodb): who it is (ecs-metadata.ts) and its
 * link server on INTERNAL_PORT (ws-link.ts). `address` is what its lease advertises: the
 * advertised host and the port the link server really listens on (INTERNAL_PORT=0 in tests).
 */
import type { Limits } from '../../actors/limits.ts'
import type { Logger } from '../../actors/ports.ts'
import type { ClusterConfig, Env } from '../config.ts'
import { resolveNodeIdentity, type IdentityOptions } from './ecs-metadata.ts'
import { createWsLinkTransport, type LinkLimits, type WsLinkTransport } from './ws-link.ts'

export interface NodeLink {
  node: string
  /** `ADVERTISE_HOST:port`, for this node's lease. */
  address: string
  transport: WsLinkTransport
}

export async function startNodeLink(opts: {
  cluster: ClusterConfig
  env: Env
  /** The interface to listen on (HOST). */
  host: string
  logger: Logger
  limits: Limits
  linkLimits?: Partial<LinkLimits>
  fetch?: IdentityOptions['fetch']
}): Promise<NodeLink> {
  const identity = await resolveNodeIdentity(opts.cluster, opts.env, { logger: opts.logger, fetch: opts.fetch })
  const transport = await createWsLinkTransport({
    node: identity.nodeId,
    secret: opts.cluster.secret,
    host: opts.host,
    port: opts.cluster.internalPort,
    logger: opts.logger,
    runtimeLimits: opts.limits,
    limits: opts.linkLimits,
  })
  const host = identity.advertiseHost.includes(':') ? `[${identity.advertiseHost}]` : identity.advertiseHost
  const address = `${host}:${transport.port}`
  opts.logger.info('link_listening', { node: identity.nodeId, address, port: transport.port })
  return { node: identity.nodeId, address, transport }
}
