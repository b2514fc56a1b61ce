/** Commands the load pool sends its worker threads, and their answers. */
import type { ClientKind } from '../targets/types.ts'

export interface ConnSpec {
  room: string
  token: string
}

export type Command =
  | { op: 'connect'; kind: ClientKind; base: string; localAddresses: string[]; specs: ConnSpec[]; concurrency: number }
  | { op: 'rate'; perSec: number; senders: number }
  | { op: 'sampleEvery'; n: number }
  | { op: 'snapshot' }
  | { op: 'closeAll' }

export interface ConnectReport {
  opened: number
  failed: number
  firstError?: string
  latenciesMs: number[]
}

export interface Snapshot {
  delivered: number
  acks: number
  errors: number
  sent: number
  /** Sends the pacer could not make on time (the generator fell behind the offered rate). */
  lagged: number
  dropped: number
  firstError?: string
  samplesMs: number[]
}

export interface Request {
  id: number
  cmd: Command
}

export interface Reply {
  id: number
  result?: ConnectReport | Snapshot
}
