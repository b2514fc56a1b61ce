/**
 * guildhall as users run it (`npm start`): the embedded durable store in a fresh DATA_DIR per
 * run under the harness's data directory (on disk, never tmpfs: lib/filesystem.ts), the bench's
 * JWT secret so its minted tokens are accepted.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnServer } from './spawn.ts'
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
      const dataDir = mkdtempSync(join(opts.dataDir, 'guildhall-'))
      const server = await spawnServer(
        {
          args: [...nodeArgs, ...(opts.nodeArgs ?? []), entry],
          cwd: root,
          env: { STORE: 'embedded', DATA_DIR: dataDir },
        },
        opts,
      )
      return {
        ...server,
        async stop() {
          await server.stop()
          rmSync(dataDir, { recursive: true, force: true })
        },
      }
    },
  }
}
