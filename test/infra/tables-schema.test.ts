/**
 * The tables Terraform creates (infra/modules/tables) have the schema the code creates with
 * CREATE_TABLES=true (src/store/dynamodb/tables.ts): the same keys, attribute types, billing, TTL
 * attribute and secondary indexes. The module is planned for real, offline (the provider mirror at
 * /opt/tf-plugins, dummy credentials: a plan that only creates calls no AWS API), and the plan's
 * tables compared with CREATE_TABLES' inputs, so a change on either side alone fails here.
 * Without terraform or the mirror this test fails: it never skips.
 */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import t from 'tap'
import { TTL_ATTRIBUTE } from '../../src/store/dynamodb/config.ts'
import { CREATE_TABLES } from '../../src/store/dynamodb/tables.ts'
import { moduleSource, offlinePlan, plannedResources } from './offline-plan.ts'

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
  const plan = offlinePlan(`module "tables" {
  source           = ${moduleSource('tables')}
  core_table_name  = "core_under_test"
  guild_table_name = "guild_under_test"
  kms_key_arn      = "arn:aws:kms:us-east-1:123456789012:key/offline"
}
`)
  const planned = plannedResources(plan)
    .filter((r) => r.type === 'aws_dynamodb_table')
    .map((r) => fromPlan(r.values as unknown as PlannedTable))
    .sort((a, b) => a.name.localeCompare(b.name))

  const code = CREATE_TABLES('core_under_test', 'guild_under_test')
    .map(fromCode)
    .sort((a, b) => a.name.localeCompare(b.name))
  t.same(planned, code, 'names, keys, attribute types, billing, TTL attribute and indexes are the same')
  t.equal(planned.length, 2, 'two tables')
})
