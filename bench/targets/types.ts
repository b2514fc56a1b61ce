/**
 * A system under test. Every scenario drives every target the same way: start it fresh,
 * connect clients speaking its client protocol, send, count deliveries, stop it.
 */

export type SystemName =
  | 'guildhall'
  | 'ws'
  | 'ws-same-flags'
  | 'socketio-same-flags'
  | 'socketio'
  | 'durable-object'
  | 'guildhall-deno'
  | 'deno-ws'
  | 'guildhall-baseline'
  | 'guildhall-deno-baseline'

/** Which wire codec the load generator uses (load/codec.ts). */
export type ClientKind = 'plain' | 'socketio'

export interface StartOptions {
  host: string
  port: number
  jwtSecret: string
  logFile: string
  /** A directory on disk for the server's data (guildhall's DATA_DIR goes inside it). */
  dataDir: string
  /** Extra node flags for the server under test (e.g. --cpu-prof): guildhall and the ws peer take them. */
  nodeArgs?: string[]
}

export interface RunningServer {
  /** Root of the server's process tree, for /proc accounting. */
  pid: number
  host: string
  port: number
  stop(): Promise<void>
  /** Set once the process has exited on its own (a crash). */
  exitInfo(): string | undefined
}

export interface Target {
  name: SystemName
  clientKind: ClientKind
  /** Why this target cannot run here (e.g. missing entry file), checked before starting. */
  unavailable?(): string | undefined
  start(opts: StartOptions): Promise<RunningServer>
}
