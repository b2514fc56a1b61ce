/**
 * Terraform offline, for the infra tests: a module or root copied to a temp dir (the tree gets no
 * .terraform/), `init -backend=false -plugin-dir=/opt/tf-plugins` (hashicorp/aws 5.100.0, no
 * network). Missing terraform or the mirror throws: these tests never skip.
 */
import { execFile, execFileSync } from 'node:child_process'
import { cpSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './server.ts'

export const PLUGIN_DIR = '/opt/tf-plugins'
const TF_ENV = { TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null' }
export const repoRoot = new URL('../..', import.meta.url).pathname

/** Runs terraform in `cwd`; throws with its output when it exits non-zero. */
export function terraform(cwd: string, ...args: string[]): string {
  try {
    return execFileSync('terraform', args, {
      cwd,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, ...TF_ENV },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string }
    throw new Error(`terraform ${args.join(' ')} in ${cwd} failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`)
  }
}

/** `terraform` without blocking the event loop, so several directories run at once. */
export function terraformAsync(cwd: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'terraform',
      args,
      { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...TF_ENV } },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`terraform ${args.join(' ')} in ${cwd} failed: ${err.message}\n${stdout}\n${stderr}`))
        else resolve(stdout)
      },
    )
  })
}

/** Throws unless terraform and the provider mirror are there. */
export function requireTerraform(): void {
  if (!existsSync(PLUGIN_DIR)) throw new Error(`the provider mirror ${PLUGIN_DIR} is missing (hashicorp/aws 5.100.0)`)
  terraform(repoRoot, 'version')
}

/**
 * Copies infra/ to a temp dir (so relative module sources still resolve) and inits `dir` (relative
 * to the repository, e.g. infra/modules/iam) there. Returns the copy's path of `dir`.
 */
export function initCopy(dir: string): { path: string; remove(): void } {
  const work = tempDir('guildhall-tf-')
  cpSync(join(repoRoot, 'infra'), join(work.dir, 'infra'), {
    recursive: true,
    filter: (src) => !src.includes('/.terraform'),
  })
  const path = join(work.dir, dir)
  terraform(path, 'init', '-backend=false', `-plugin-dir=${PLUGIN_DIR}`, '-input=false', '-no-color')
  return { path, remove: work.remove }
}

/** `terraform console`'s answer to one expression whose value is jsonencode(...): the parsed JSON. */
export function consoleJson(cwd: string, expression: string, ...args: string[]): unknown {
  const out = execFileSync('terraform', ['console', '-no-color', ...args], {
    cwd,
    encoding: 'utf8',
    input: `${expression}\n`,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...TF_ENV },
  })
  // The console prints the string as an HCL literal: quoted, JSON-compatible escapes.
  return JSON.parse(JSON.parse(out.trim()))
}
