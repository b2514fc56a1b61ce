/**
 * The checks after every simulated run (docs/cluster.md "The simulator"). Each judges from
 * what the shared store holds and what it applied (the ledger) and from what each client
 * received, never from what a node believed:
 *
 * - one writer per room per epoch: every applied append carries a fence, the fence is the
 *   room's latest claimed epoch when the store applied it (no write with an epoch already
 *   superseded), it was claimed by the node that wrote, and not released before the write;
 * - every room's seqs are dense from 1, and no (sender, id) and no message id is stored twice;
 *   every stored message is one a client sent, with its text;
 * - every acknowledged send is stored once, at the acknowledged seq with the acknowledged id;
 * - every message a client received is the stored one at its seq (its order was checked as it
 *   arrived: one seq after another from its first welcome, across reconnects and moves);
 * - once the run has healed and settled: nothing is left unacknowledged and every client has
 *   every message of its rooms (liveness; reported only when the run settled).
 */
import type { Store, StoredMessage } from '../../store.ts'
import type { LedgerEntry } from './ledger.ts'
import type { SimUser } from './sim-client.ts'

export interface Violation {
  kind: string
  detail: string
}

export interface CheckInput {
  ledger: readonly LedgerEntry[]
  /** The shared store itself (no delays, no faults). */
  store: Store
  rooms: readonly string[]
  users: readonly SimUser[]
  /** Did every client settle (liveness checks apply)? */
  settled: boolean
}

export async function checkInvariants(input: CheckInput): Promise<Violation[]> {
  const out: Violation[] = []
  const add = (kind: string, detail: string): void => void out.push({ kind, detail })
  checkFencing(input.ledger, add)
  const stored = new Map<string, StoredMessage[]>()
  for (const room of input.rooms) stored.set(room, await readAll(input.store, room))
  checkStored(stored, input.users, add)
  checkClients(stored, input.users, input.settled, add)
  return out
}

function checkFencing(ledger: readonly LedgerEntry[], add: (kind: string, detail: string) => void): void {
  const latest = new Map<string, number>()
  const claimer = new Map<string, string>()
  const released = new Set<string>()
  const writers = new Map<string, Set<string>>()
  for (const e of ledger) {
    const key = `${e.room}@${e.kind === 'append' ? e.fence : e.epoch}`
    switch (e.kind) {
      case 'claim': {
        const before = latest.get(e.room) ?? 0
        if (e.epoch <= before)
          add('epoch_not_raised', `${e.room}: ${e.node} claimed epoch ${e.epoch} after epoch ${before} (t=${e.at})`)
        latest.set(e.room, Math.max(before, e.epoch))
        if (claimer.has(key))
          add('epoch_claimed_twice', `${e.room} epoch ${e.epoch}: ${claimer.get(key)} and ${e.node}`)
        claimer.set(key, e.node)
        break
      }
      case 'release':
        if (e.released) released.add(key)
        break
      case 'append': {
        const seqs = `seqs ${e.seqs[0]}..${e.seqs.at(-1)}`
        if (e.fence === undefined) {
          add('append_unfenced', `${e.room}: ${e.node} stored ${seqs} with no fence (t=${e.at})`)
          break
        }
        const k = `${e.room}@${e.fence}`
        const current = latest.get(e.room) ?? 0
        if (e.fence !== current) {
          add(
            'append_stale_epoch',
            `${e.room}: ${e.node} stored ${seqs} with epoch ${e.fence} after epoch ${current} was claimed (t=${e.at})`,
          )
        }
        if (claimer.get(k) !== e.node) {
          add(
            'append_not_owner',
            `${e.room}: ${e.node} stored ${seqs} at epoch ${e.fence}, claimed by ${claimer.get(k) ?? 'nobody'} (t=${e.at})`,
          )
        }
        if (released.has(k))
          add(
            'append_after_release',
            `${e.room}: ${e.node} stored ${seqs} at epoch ${e.fence} after releasing it (t=${e.at})`,
          )
        let set = writers.get(k)
        if (!set) {
          set = new Set()
          writers.set(k, set)
        }
        set.add(e.node)
        if (set.size === 2) add('two_writers', `${e.room} epoch ${e.fence}: written by ${[...set].join(' and ')}`)
        break
      }
    }
  }
}

function checkStored(
  stored: Map<string, StoredMessage[]>,
  users: readonly SimUser[],
  add: (kind: string, detail: string) => void,
): void {
  const byUser = new Map(users.map((u) => [u.id, u]))
  const ids = new Set<string>()
  for (const [room, messages] of stored) {
    const keys = new Set<string>()
    messages.forEach((m, i) => {
      if (m.seq !== i + 1) add('seq_not_dense', `${room}: message ${i + 1} has seq ${m.seq}`)
      const key = `${m.senderId}\u0000${m.clientId}`
      if (keys.has(key)) add('stored_twice', `${room}: ${m.senderId}'s ${m.clientId} stored again at seq ${m.seq}`)
      keys.add(key)
      if (ids.has(m.id)) add('message_id_twice', `${room}: message id ${m.id} again at seq ${m.seq}`)
      ids.add(m.id)
      const sent = byUser.get(m.senderId)?.sent.get(m.clientId)
      if (!sent || sent.room !== room || sent.text !== m.text) {
        add(
          'stored_not_sent',
          `${room}: seq ${m.seq} (${m.senderId}'s ${m.clientId}) is not a message that user sent there`,
        )
      }
    })
  }
}

function checkClients(
  stored: Map<string, StoredMessage[]>,
  users: readonly SimUser[],
  settled: boolean,
  add: (kind: string, detail: string) => void,
): void {
  for (const user of users) {
    for (const [id, ack] of user.acked) {
      const m = stored.get(ack.room)?.[ack.seq - 1]
      if (!m) add('acked_lost', `${user.id}'s ${id} acknowledged at ${ack.room} seq ${ack.seq}, which is not stored`)
      else if (m.senderId !== user.id || m.clientId !== id || m.id !== ack.messageId) {
        add(
          'acked_mismatch',
          `${user.id}'s ${id} acknowledged at ${ack.room} seq ${ack.seq} as ${ack.messageId}; stored there: ${m.senderId}'s ${m.clientId} (${m.id})`,
        )
      }
    }
    for (const view of user.views.values()) {
      const messages = stored.get(view.room) ?? []
      for (const [seq, got] of view.seen) {
        const m = messages[seq - 1]
        const same =
          m &&
          m.id === got.id &&
          m.senderId === got.senderId &&
          m.text === got.text &&
          m.ts === got.ts &&
          m.roomId === got.roomId
        if (!same)
          add(
            'view_not_stored',
            `${user.id} in ${view.room}: seq ${seq} received as ${got.id} (${got.senderId}), stored as ${m ? `${m.id} (${m.senderId})` : 'nothing'}`,
          )
      }
      for (const got of view.history) {
        const m = messages[got.seq - 1]
        const same =
          m &&
          m.id === got.id &&
          m.senderId === got.senderId &&
          m.text === got.text &&
          m.ts === got.ts &&
          m.roomId === got.roomId
        if (!same)
          add(
            'history_not_stored',
            `${user.id} in ${view.room}: history gave seq ${got.seq} as ${got.id}, stored as ${m ? m.id : 'nothing'}`,
          )
      }
      // A member revoked from the room gets nothing after it: only the others must be current.
      if (settled && !view.revoked && view.lastSeq !== messages.length) {
        add(
          'view_behind',
          `${user.id} in ${view.room}: has up to seq ${view.lastSeq ?? '-'} after the run settled; the room has ${messages.length}`,
        )
      }
    }
    if (settled && user.pending.size > 0)
      add('unacked_at_end', `${user.id}: ${[...user.pending.keys()].join(', ')} never acknowledged`)
  }
}

async function readAll(store: Store, room: string): Promise<StoredMessage[]> {
  const page = await store.readPage(room, { after: 0, limit: Number.MAX_SAFE_INTEGER })
  return page.messages
}
