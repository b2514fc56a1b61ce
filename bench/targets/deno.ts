/**
 * The Deno targets, run only when named (`--systems=guildhall-deno,deno-ws`): guildhall as
 * `npm run start:deno` runs it (same permissions, the embedded store in a fresh DATA_DIR), and
 * bare Deno WebSocket rooms (peers/deno-ws-server.ts), both on the `deno` npm package's binary.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnEmbedded, spawnServer } from './spawn.ts'
import type { Target } from './types.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))
const deno = join(root, 'node_modules', '.bin', 'deno')
/** The permissions of `npm run start:deno` (package.json). */
const PERMISSIONS = ['--allow-net', '--allow-env', '--allow-read', '--allow-write', '--allow-sys']
const missing = (): string | undefined => (existsSync(deno) ? undefined : 'node_modules/.bin/deno is missing')

export const guildhallDenoTarget: Target = guildhallDenoAt('guildhall-deno', root)

/** guildhall on Deno from the checkout in `BENCH_BASELINE`, as guildhall-baseline on Node. */
export const baselineDenoTarget: Target = guildhallDenoAt('guildhall-deno-baseline', process.env.BENCH_BASELINE ?? '')

function guildhallDenoAt(name: 'guildhall-deno' | 'guildhall-deno-baseline', tree: string): Target {
  const entry = join(tree, 'src', 'main.deno.ts')
  return {
    name,
    clientKind: 'plain',
    unavailable: () => missing() ?? (tree && existsSync(entry) ? undefined : `${entry} does not exist`),
    async start(opts) {
      return spawnEmbedded(
        'guildhall-deno-',
        { command: deno, args: ['run', ...PERMISSIONS, entry], cwd: tree, env: {} },
        opts,
      )
    },
  }
}

export const denoWsTarget: Target = {
  name: 'deno-ws',
  clientKind: 'plain',
  unavailable: missing,
  start: (opts) =>
    spawnServer(
      {
        command: deno,
        args: ['run', '--allow-net', '--allow-env', join(root, 'bench', 'peers', 'deno-ws-server.ts')],
        cwd: root,
        env: {},
      },
      opts,
    ),
}
