/**
 * Terraform offline, for every module and environment under infra/: `fmt -check`, then in each
 * directory `init -backend=false -plugin-dir=/opt/tf-plugins`, `validate`, and `terraform test`
 * where it has a tests/ folder (mock_provider "aws": plans each module and environment and asserts
 * what matters). infra/ is copied to a temp dir first, so the tree gets no .terraform/. Without
 * terraform or the mirror this test fails, it never skips. Directories run CONCURRENCY at a time.
 */
import { cpSync, existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { tempDir } from '../support/server.ts'
import { PLUGIN_DIR, repoRoot, requireTerraform, terraform, terraformAsync } from '../support/terraform.ts'

const CONCURRENCY = 3
// A loaded machine runs the whole of infra/ in 1-3 minutes.
t.setTimeout(600_000)

/** infra/modules/* and infra/envs/*: every directory with .tf files. */
function roots(): string[] {
  const out: string[] = []
  for (const group of ['modules', 'envs']) {
    const base = join(repoRoot, 'infra', group)
    if (!existsSync(base)) continue
    for (const name of readdirSync(base).sort()) {
      if (readdirSync(join(base, name)).some((f) => f.endsWith('.tf'))) out.push(`infra/${group}/${name}`)
    }
  }
  return out
}

/** init, validate, test: what each step printed, or the first failure's message. */
async function check(path: string): Promise<{ validate: string; test: string | null }> {
  await terraformAsync(path, 'init', '-backend=false', `-plugin-dir=${PLUGIN_DIR}`, '-input=false', '-no-color')
  const validate = await terraformAsync(path, 'validate', '-no-color')
  const test = existsSync(join(path, 'tests')) ? await terraformAsync(path, 'test', '-no-color') : null
  return { validate, test }
}

t.test('terraform fmt, validate and test, offline', async (t) => {
  requireTerraform()
  t.doesNotThrow(() => terraform(repoRoot, 'fmt', '-check', '-recursive', '-diff', '-no-color', 'infra'), 'fmt -check')
  const work = tempDir('guildhall-tf-all-')
  t.teardown(work.remove)
  cpSync(join(repoRoot, 'infra'), join(work.dir, 'infra'), {
    recursive: true,
    filter: (src) => !src.includes('/.terraform'),
  })
  const dirs = roots()
  t.ok(dirs.includes('infra/envs/dev') && dirs.includes('infra/envs/prod'), 'both environments are there')
  const results = new Map<string, Promise<Awaited<ReturnType<typeof check>> | Error>>()
  const pending = [...dirs]
  const workers = Array.from({ length: CONCURRENCY }, async () => {
    for (let dir = pending.shift(); dir !== undefined; dir = pending.shift()) {
      const result = check(join(work.dir, dir)).catch((err: Error) => err)
      results.set(dir, result)
      await result
    }
  })
  await Promise.all(workers)
  for (const dir of dirs) {
    const result = await results.get(dir)!
    if (result instanceof Error) {
      t.fail(`${dir}: ${result.message}`)
      continue
    }
    t.match(result.validate, /Success/, `${dir}: validate`)
    if (result.test !== null) t.match(result.test, /Success! \d+ passed, 0 failed/, `${dir}: terraform test`)
  }
})
