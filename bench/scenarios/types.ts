/** What a scenario gets to work with, and what it hands back per system. */
import type { LoadPool } from '../load/pool.ts'
import type { ConnSpec } from '../load/messages.ts'
import type { RunningServer, Target } from '../targets/types.ts'

export interface RunContext {
  target: Target
  server: RunningServer
  pool: LoadPool
  quick: boolean
  /** Connection specs with pre-minted tokens (minting is not part of any measurement). */
  specs(count: number, room: (i: number) => string): Promise<ConnSpec[]>
  log(msg: string): void
  /** The server profiles each measured window when sent SIGUSR2 at its start and end (--window-prof). */
  profileWindows?: boolean
}

export type SystemResult = Record<string, unknown>

export interface Scenario {
  name: 'fanout' | 'rooms' | 'connect' | 'memory' | 'busy'
  unit: string
  run(ctx: RunContext): Promise<SystemResult>
  /** Cross-system figures (e.g. latency at the rate every system holds), filled in after all ran. */
  summarize?(results: Record<string, SystemResult>): void
}
