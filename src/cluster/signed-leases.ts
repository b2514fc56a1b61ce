/**
 * Leases that prove their node holds the cluster secret. Every lease written carries
 * HMAC-SHA256(CLUSTER_SECRET, "guildhall-lease-v1|" + id + "|" + address); a listed lease
 * without the right proof is left out of the live set (logged once as `lease_foreign`).
 * Without this a node started with a wrong secret renews a valid lease, placement hands it
 * its share of rooms, and every other node's link to it is refused: those rooms would be
 * unavailable to every client outside it. docs/cluster.md "Membership".
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { LeaseRenewal, LeaseStore, NodeLease } from '../../actors/cluster/ports.ts'
import type { Logger } from '../../actors/ports.ts'

export const LEASE_PROOF_VERSION = 'guildhall-lease-v1'

export function leaseProof(secret: string, id: string, address: string): string {
  return createHmac('sha256', secret).update(`${LEASE_PROOF_VERSION}|${id}|${address}`).digest('hex')
}

/** After each listing: how many leases proved the secret and how many did not. */
export type LeaseCensus = (valid: number, foreign: number) => void

export function signedLeases(inner: LeaseStore, secret: string, logger: Logger, census?: LeaseCensus): LeaseStore {
  /** Proofs checked, by `id|address|proof` (a lease's proof changes only with its address). */
  const verdicts = new Map<string, boolean>()
  const foreign = new Set<string>()
  const valid = (lease: NodeLease): boolean => {
    const key = `${lease.id}|${lease.address}|${lease.proof ?? ''}`
    let ok = verdicts.get(key)
    if (ok === undefined) {
      const expected = Buffer.from(leaseProof(secret, lease.id, lease.address), 'hex')
      const given = Buffer.from(lease.proof ?? '', 'hex')
      ok = given.length === expected.length && timingSafeEqual(given, expected)
      if (verdicts.size > 10_000) verdicts.clear()
      verdicts.set(key, ok)
    }
    if (!ok && !foreign.has(lease.id)) {
      foreign.add(lease.id)
      logger.warn('lease_foreign', {
        node: lease.id,
        address: lease.address,
        reason: lease.proof === undefined ? 'no proof' : 'wrong proof: another CLUSTER_SECRET',
      })
    }
    if (ok) foreign.delete(lease.id)
    return ok
  }
  return {
    renew: (lease: LeaseRenewal) => inner.renew({ ...lease, proof: leaseProof(secret, lease.id, lease.address) }),
    list: async () => {
      const all = await inner.list()
      const mine = all.filter(valid)
      census?.(mine.length, all.length - mine.length)
      return mine
    },
    remove: (id) => inner.remove(id),
  }
}
