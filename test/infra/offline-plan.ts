/**
 * Plan a module for real with the provider of the offline mirror (/opt/tf-plugins) and dummy
 * credentials: a plan that only creates resources calls no AWS API. Without terraform or the
 * mirror this throws: the tests that use it fail, never skip.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../support/server.ts'

export const PLUGIN_DIR = '/opt/tf-plugins'
export const repoRoot = new URL('../..', import.meta.url).pathname

const OFFLINE_PROVIDER = `provider "aws" {
  region                      = "us-east-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}
`

/** `terraform show -json` of a plan of `config` (HCL below the provider block), in a temp dir. */
export function offlinePlan(config: string, env: Record<string, string> = {}): PlanJson {
  if (!existsSync(PLUGIN_DIR)) throw new Error(`the provider mirror ${PLUGIN_DIR} is missing (hashicorp/aws 5.100.0)`)
  const work = tempDir('guildhall-tf-plan-')
  try {
    writeFileSync(join(work.dir, 'main.tf'), OFFLINE_PROVIDER + config)
    const terraform = (...args: string[]) =>
      execFileSync('terraform', args, {
        cwd: work.dir,
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    terraform('init', '-backend=false', `-plugin-dir=${PLUGIN_DIR}`, '-input=false', '-no-color')
    terraform('plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', '-out=offline.plan')
    const text = terraform('show', '-json', 'offline.plan')
    return { text, json: JSON.parse(text) }
  } finally {
    work.remove()
  }
}

export interface PlanJson {
  text: string
  json: {
    planned_values: { root_module: { child_modules: { resources: PlannedResource[] }[] } }
  }
}

export interface PlannedResource {
  address: string
  type: string
  values: Record<string, unknown>
}

/** The resources a plan creates in its one module call. */
export const plannedResources = (plan: PlanJson): PlannedResource[] =>
  plan.json.planned_values.root_module.child_modules[0]?.resources ?? []

/** HCL string literal for a module source path in this repository. */
export const moduleSource = (name: string): string => JSON.stringify(join(repoRoot, 'infra/modules', name))
