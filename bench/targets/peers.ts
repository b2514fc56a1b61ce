/** The three reference systems, each a small server in bench/peers/ run in its own process. */
import { fileURLToPath } from 'node:url'
import { spawnServer } from './spawn.ts'
import type { Target } from './types.ts'

const peer = (file: string): string => fileURLToPath(new URL(`../peers/${file}`, import.meta.url))

export const wsTarget: Target = {
  name: 'ws',
  clientKind: 'plain',
  start: (opts) => spawnServer({ args: [...(opts.nodeArgs ?? []), peer('ws-server.ts')], env: {} }, opts),
}

export const socketioTarget: Target = {
  name: 'socketio',
  clientKind: 'socketio',
  start: (opts) => spawnServer({ args: [peer('socketio-server.ts')], env: {} }, opts),
}

export const durableObjectTarget: Target = {
  name: 'durable-object',
  clientKind: 'plain',
  start: (opts) => spawnServer({ args: [peer('durable-object/launcher.ts')], env: {}, readyTimeoutMs: 60_000 }, opts),
}
