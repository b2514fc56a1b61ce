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
const entry = join(root, 'src', 'main.ts')

export const guildhallTarget: Target = {
  name: 'guildhall',
  clientKind: 'plain',
  unavailable: () => (existsSync(entry) ? undefined : 'src/main.ts does not exist yet'),
  async start(opts) {
    const dataDir = mkdtempSync(join(opts.dataDir, 'guildhall-'))
    const server = await spawnServer(
      { args: [...(opts.nodeArgs ?? []), entry], cwd: root, env: { STORE: 'embedded', DATA_DIR: dataDir } },
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
