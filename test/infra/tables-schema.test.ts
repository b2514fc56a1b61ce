/**
 * The tables Terraform creates (infra/modules/tables) have the schema the code creates with
 * CREATE_TABLES=true (src/store/dynamodb/tables.ts): the same keys, attribute types, billing, TTL
 * attribute and secondary indexes. The module is planned for real, offline (the provider mirror at
 * /opt/tf-plugins, dummy credentials: a plan that only creates calls no AWS API), and the plan's
 * tables compared with CREATE_TABLES' inputs, so a change on either side alone fails here.
 * Without terraform or the mirror this test fails: it never skips.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import t from 'tap'
import { TTL_ATTRIBUTE } from '../../src/store/dynamodb/config.ts'
import { CREATE_TABLES } from '../../src/store/dynamodb/tables.ts'
import { tempDir } from '../support/server.ts'

const root = new URL('../..', import.meta.url).pathname
const PLUGIN_DIR = '/opt/tf-plugins'

/** What both sides say about one table, in one shape. */
interface TableShape {
  name: string
  attributes: string[]
  hash: string
  range: string
  billing: string
  ttl: string | null
  globalIndexes: string[]
  localIndexes: string[]
}

function fromCode(input: CreateTableCommandInput): TableShape {
  const key = (schema: CreateTableCommandInput['KeySchema'], type: string) =>
    schema?.find((k) => k.KeyType === type)?.AttributeName ?? ''
  return {
    name: input.TableName!,
    attributes: (input.AttributeDefinitions ?? []).map((a) => `${a.AttributeName}:${a.AttributeType}`).sort(),
    hash: key(input.KeySchema, 'HASH'),
    range: key(input.KeySchema, 'RANGE'),
    billing: input.BillingMode ?? '',
    // createTables enables TTL on TTL_ATTRIBUTE for every table it creates.
    ttl: TTL_ATTRIBUTE,
    globalIndexes: (input.GlobalSecondaryIndexes ?? [])
      .map(
        (i) =>
          `${i.IndexName} hash=${key(i.KeySchema, 'HASH')} range=${key(i.KeySchema, 'RANGE')} ${i.Projection?.ProjectionType}`,
      )
      .sort(),
    localIndexes: (input.LocalSecondaryIndexes ?? []).map((i) => i.IndexName!).sort(),
  }
}

interface PlannedTable {
  name: string
  attribute: { name: string; type: string }[]
  hash_key: string
  range_key: string
  billing_mode: string
  ttl: { attribute_name: string; enabled: boolean }[]
  global_secondary_index: { name: string; hash_key: string; range_key: string; projection_type: string }[]
  local_secondary_index: { name: string }[]
}

function fromPlan(v: PlannedTable): TableShape {
  const ttl = v.ttl.find((x) => x.enabled)
  return {
    name: v.name,
    attributes: v.attribute.map((a) => `${a.name}:${a.type}`).sort(),
    hash: v.hash_key,
    range: v.range_key ?? '',
    billing: v.billing_mode,
    ttl: ttl ? ttl.attribute_name : null,
    globalIndexes: v.global_secondary_index
      .map((i) => `${i.name} hash=${i.hash_key} range=${i.range_key} ${i.projection_type}`)
      .sort(),
    localIndexes: v.local_secondary_index.map((i) => i.name).sort(),
  }
}

t.test('the tables module plans the schema CREATE_TABLES creates', async (t) => {
  t.ok(existsSync(PLUGIN_DIR), `the provider mirror ${PLUGIN_DIR} exists (hashicorp/aws 5.100.0)`)
  const work = tempDir('guildhall-tf-tables-')
  t.teardown(() => work.remove())
  writeFileSync(
    join(work.dir, 'main.tf'),
    `provider "aws" {
  region                      = "us-east-1"
  access_key                  = "offline"
  secret_key                  = "offline"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
}

module "tables" {
  source           = ${JSON.stringify(join(root, 'infra/modules/tables'))}
  core_table_name  = "core_under_test"
  guild_table_name = "guild_under_test"
  kms_key_arn      = "arn:aws:kms:us-east-1:123456789012:key/offline"
}
`,
  )
  const terraform = (...args: string[]) =>
    execFileSync('terraform', args, {
      cwd: work.dir,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, TF_IN_AUTOMATION: '1', CHECKPOINT_DISABLE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
  terraform('init', '-backend=false', `-plugin-dir=${PLUGIN_DIR}`, '-input=false', '-no-color')
  terraform('plan', '-refresh=false', '-input=false', '-lock=false', '-no-color', '-out=tables.plan')
  writeFileSync(join(work.dir, 'plan.json'), terraform('show', '-json', 'tables.plan'))
  const plan = JSON.parse(readFileSync(join(work.dir, 'plan.json'), 'utf8'))
  const resources: { type: string; values: PlannedTable }[] = plan.planned_values.root_module.child_modules[0].resources
  const planned = resources
    .filter((r) => r.type === 'aws_dynamodb_table')
    .map((r) => fromPlan(r.values))
    .sort((a, b) => a.name.localeCompare(b.name))

  const code = CREATE_TABLES('core_under_test', 'guild_under_test')
    .map(fromCode)
    .sort((a, b) => a.name.localeCompare(b.name))
  t.same(planned, code, 'names, keys, attribute types, billing, TTL attribute and indexes are the same')
  t.equal(planned.length, 2, 'two tables')
})
