/** The three reference systems, each a small server in bench/peers/ run in its own process. */
import { fileURLToPath } from 'node:url'
import { startFlags } from './guildhall.ts'
import { spawnServer } from './spawn.ts'
import type { Target } from './types.ts'

const peer = (file: string): string => fileURLToPath(new URL(`../peers/${file}`, import.meta.url))
/** The Node flags guildhall's own `npm start` runs with, so a peer can be compared like for like. */
const guildhallFlags = (): string[] => startFlags(fileURLToPath(new URL('../../', import.meta.url)))

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

/** Bare ws under the Node flags of guildhall's `npm start` (e.g. its young generation cap): like for like. */
export const wsSameFlagsTarget: Target = {
  name: 'ws-same-flags',
  clientKind: 'plain',
  start: (opts) =>
    spawnServer({ args: [...guildhallFlags(), ...(opts.nodeArgs ?? []), peer('ws-server.ts')], env: {} }, opts),
}

/** socket.io under the Node flags of guildhall's `npm start`. */
export const socketioSameFlagsTarget: Target = {
  name: 'socketio-same-flags',
  clientKind: 'socketio',
  start: (opts) => spawnServer({ args: [...guildhallFlags(), peer('socketio-server.ts')], env: {} }, opts),
}
