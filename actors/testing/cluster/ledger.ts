/**
 * What the shared store took, in the order it took it: every claim, release and append that
 * was applied (whatever the caller then heard: an append applied and then answered with an
 * error still counts). The invariant checker judges single-writer fencing from this record
 * alone, never from what the nodes believed.
 */
export type LedgerEntry =
  | { kind: 'claim'; at: number; room: string; node: string; epoch: number }
  | { kind: 'release'; at: number; room: string; node: string; epoch: number; released: boolean }
  | { kind: 'append'; at: number; room: string; node: string; fence: number | undefined; seqs: number[] }

export class Ledger {
  readonly entries: LedgerEntry[] = []

  add(entry: LedgerEntry): void {
    this.entries.push(entry)
  }
}
