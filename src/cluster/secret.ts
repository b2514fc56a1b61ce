/**
 * CLUSTER_SECRET when it is unset: derived from JWT_SECRET, so a deployment that already
 * shares one secret across its nodes needs no second one. The derivation is one-way: a link
 * handshake (which never carries the secret anyway) reveals nothing about JWT_SECRET, and the
 * two keys are never the same bytes used for two purposes.
 */
import { createHmac } from 'node:crypto'

export const CLUSTER_SECRET_LABEL = 'guildhall cluster secret v1'

export function deriveClusterSecret(jwtSecret: string): string {
  return createHmac('sha256', jwtSecret).update(CLUSTER_SECRET_LABEL).digest('hex')
}
