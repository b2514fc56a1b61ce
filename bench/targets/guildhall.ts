/**
 * guildhall as users run it (`npm start`, with the Node flags of that checkout's start script): the embedded durable store in a fresh DATA_DIR per
 * run under the harness's data directory (on disk, never tmpfs: lib/filesystem.ts), the bench's
 * JWT secret so its minted tokens are accepted.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnEmbedded } from './spawn.ts'
import type { Target } from './types.ts'

const root = fileURLToPath(new URL('../../', import.meta.url))

export const guildhallTarget: Target = guildhallAt('guildhall', root)

/**
 * The same server from another checkout (`BENCH_BASELINE=<dir>`, e.g. a worktree of main) or
 * with other Node flags (`BENCH_BASELINE_NODE_ARGS`, space-separated), so a change and its
 * baseline run side by side, under the same load, in one run.
 */
export const baselineTarget: Target = guildhallAt(
  'guildhall-baseline',
  process.env.BENCH_BASELINE ?? '',
  (process.env.BENCH_BASELINE_NODE_ARGS ?? '').split(' ').filter(Boolean),
)

function guildhallAt(name: 'guildhall' | 'guildhall-baseline', root: string, nodeArgs: string[] = []): Target {
  const entry = join(root, 'src', 'main.ts')
  return {
    name,
    clientKind: 'plain',
    unavailable: () => (root && existsSync(entry) ? undefined : `${entry} does not exist`),
    async start(opts) {
      return spawnEmbedded(
        'guildhall-',
        { args: [...startFlags(root), ...nodeArgs, ...(opts.nodeArgs ?? []), entry], cwd: root, env: {} },
        opts,
      )
    },
  }
}

/** The `node` flags of the checkout's `npm start` (e.g. `--max-semi-space-size=16`): as users run it. */
export function startFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts?: { start?: string } }
  return (pkg.scripts?.start ?? '').split(/\s+/).filter((arg) => arg.startsWith('--'))
}
