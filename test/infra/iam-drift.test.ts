/**
 * Drift between the code and IAM fails the build: the AWS calls each process's code can send
 * (test/infra/sdk-actions.ts follows the imports from its entry file) must be exactly the actions
 * its task role grants in infra/modules/iam, on the right resources; the role grants nothing the
 * code does not send, except what the ADOT collector sidecar sends and the KMS use of encrypted
 * tables and queues. The module's policies are read with `terraform console` (offline, the provider
 * mirror): without terraform or the mirror this test fails, it never skips.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { consoleJson, initCopy, repoRoot, requireTerraform } from '../support/terraform.ts'
import { actionsSentFrom, type SentActions } from './sdk-actions.ts'

const A = '123456789012'
const R = 'eu-west-1'
const ARN = {
  core: `arn:aws:dynamodb:${R}:${A}:table/gg_core`,
  guild: `arn:aws:dynamodb:${R}:${A}:table/gg_guild`,
  index: `arn:aws:dynamodb:${R}:${A}:table/gg_guild/index/inverted`,
  events: `arn:aws:sqs:${R}:${A}:guildhall-events.fifo`,
  commands: `arn:aws:sqs:${R}:${A}:guildhall-commands`,
  key: `arn:aws:kms:${R}:${A}:key/11111111-2222-3333-4444-555555555555`,
  metrics: `arn:aws:logs:${R}:${A}:log-group:/guildhall/test/metrics`,
}

/** Sent only by createTables (CREATE_TABLES=true); the task definitions set CREATE_TABLES=false: Terraform owns the tables. */
const CREATE_TABLES_ONLY = ['dynamodb:CreateTable', 'dynamodb:DescribeTable', 'dynamodb:UpdateTimeToLive']
/** What the server's ADOT collector sidecar sends (awsxray and awsemf exporters), not the server's code. */
const COLLECTOR = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTraceSegments']
/** Encrypted tables and queues: DynamoDB and SQS use the key on the caller's behalf. */
const KMS = ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey']
/** Actions AWS authorizes only on resource "*". */
const NO_RESOURCE_TYPE = ['xray:PutTraceSegments', 'ecr:GetAuthorizationToken']
/**
 * Which queue each SQS-calling file talks to, per process: a new caller must be added here, with
 * its queue. The server reads the commands queue and the push worker the events queue through the
 * same module (src/events/sqs-queue.ts), so the map is per process, not per file.
 */
const QUEUE_OF_FILE: Record<'server' | 'notifier', Record<string, string>> = {
  server: { 'src/events/publisher.ts': ARN.events, 'src/events/sqs-queue.ts': ARN.commands },
  notifier: { 'src/events/sqs-queue.ts': ARN.events },
}

/**
 * The tables (and index) each process's DynamoDB actions reach: the server's store uses both tables
 * and Queries the guild table's index; the push worker's device store (src/store/dynamodb/device-store.ts)
 * only the core table, where devices and push claims live.
 */
const TABLES_OF: Record<'server' | 'notifier', (action: string) => string[]> = {
  server: (action) => (action === 'dynamodb:Query' ? [ARN.core, ARN.guild, ARN.index] : [ARN.core, ARN.guild]).sort(),
  notifier: () => [ARN.core],
}

interface Statement {
  Sid: string
  Action: string[]
  Resource: string[]
  Condition?: Record<string, Record<string, string | string[]>>
}
interface Policy {
  Statement: Statement[]
}

function union(...maps: SentActions[]): SentActions {
  const out: SentActions = new Map()
  for (const m of maps) for (const [a, w] of m) out.set(a, [...(out.get(a) ?? []), ...w])
  return out
}

/** The code's actions a task role must grant, after the CREATE_TABLES-only ones (checked to stay there). */
function required(t: Test, sent: SentActions): string[] {
  for (const action of CREATE_TABLES_ONLY) {
    for (const where of sent.get(action) ?? []) {
      t.match(where, /^src\/store\/dynamodb\/tables\.ts:/, `${action} is sent only by createTables (${where})`)
    }
  }
  return [...sent.keys()].filter((a) => !CREATE_TABLES_ONLY.includes(a)).sort()
}

const granted = (policy: Policy) => [...new Set(policy.Statement.flatMap((s) => s.Action))].sort()
const resourcesOf = (policy: Policy, action: string) =>
  [...new Set(policy.Statement.filter((s) => s.Action.includes(action)).flatMap((s) => s.Resource))].sort()

function checkShape(t: Test, name: string, policy: Policy): void {
  for (const s of policy.Statement) {
    for (const action of s.Action) t.notMatch(action, /\*/, `${name} ${s.Sid}: ${action} is not a wildcard action`)
    if (s.Resource.includes('*')) {
      t.same(
        s.Action.filter((a) => !NO_RESOURCE_TYPE.includes(a)),
        [],
        `${name} ${s.Sid}: resource "*" only for actions without a resource type`,
      )
    }
  }
}

/** SQS actions go to the queue their calling file uses. */
function checkQueues(t: Test, name: 'server' | 'notifier', sent: SentActions, policy: Policy): void {
  for (const [action, wheres] of sent) {
    if (!action.startsWith('sqs:')) continue
    const queues = [
      ...new Set(
        wheres.map((w) => {
          const file = w.replace(/:\d+$/, '')
          const queue = QUEUE_OF_FILE[name][file]
          if (queue === undefined) throw new Error(`${w} sends ${action}: add its queue to QUEUE_OF_FILE`)
          return queue
        }),
      ),
    ].sort()
    t.same(resourcesOf(policy, action), queues, `${name}: ${action} on exactly ${queues.join(', ')}`)
  }
}

t.test('the task roles grant exactly what the code sends', async (t) => {
  requireTerraform()
  const server = union(
    actionsSentFrom(repoRoot, 'src/main.ts').actions,
    actionsSentFrom(repoRoot, 'src/main.deno.ts').actions,
  )
  const notifier = actionsSentFrom(repoRoot, 'src/notifier/main.ts').actions
  t.ok(server.has('dynamodb:GetItem') && server.has('sqs:SendMessage'), 'the scan finds the server calls')
  t.ok(notifier.has('sqs:ReceiveMessage'), 'the scan finds the push worker calls')
  const notifierFiles = actionsSentFrom(repoRoot, 'src/notifier/main.ts').files
  for (const file of ['src/store/dynamodb/dynamodb-store.ts', 'src/store/dynamodb/tables.ts']) {
    t.notOk(notifierFiles.includes(file), `the push worker does not import ${file} (its device store only)`)
  }

  const copy = initCopy('infra/modules/iam')
  t.teardown(copy.remove)
  writeFileSync(
    join(copy.path, 'drift.tfvars'),
    `name = "guildhall-drift"
core_table_arn = "${ARN.core}"
guild_table_arn = "${ARN.guild}"
guild_inverted_index_arn = "${ARN.index}"
events_queue_arn = "${ARN.events}"
commands_queue_arn = "${ARN.commands}"
kms_key_arn = "${ARN.key}"
secret_arns = ["arn:aws:secretsmanager:${R}:${A}:secret:guildhall/jwt-AbCdEf"]
ecr_repository_arns = ["arn:aws:ecr:${R}:${A}:repository/guildhall"]
log_group_arns = ["arn:aws:logs:${R}:${A}:log-group:/guildhall/test/server"]
metrics_log_group_arn = "${ARN.metrics}"
`,
  )
  const policies = consoleJson(
    copy.path,
    'jsonencode({ server = local.server_task_policy, notifier = local.notifier_task_policy, execution = local.execution_policy })',
    '-var-file=drift.tfvars',
  ) as Record<'server' | 'notifier' | 'execution', Policy>

  t.same(
    granted(policies.server),
    [...required(t, server), ...COLLECTOR, ...KMS].sort(),
    'server task role: the server code actions, the collector, KMS; nothing else',
  )
  t.same(
    granted(policies.notifier),
    [...required(t, notifier), ...KMS].sort(),
    'push worker task role: the push worker code actions, KMS; nothing else',
  )
  for (const [name, policy] of Object.entries(policies)) checkShape(t, name, policy)
  checkQueues(t, 'server', server, policies.server)
  checkQueues(t, 'notifier', notifier, policies.notifier)
  for (const [name, policy] of [
    ['server', policies.server],
    ['notifier', policies.notifier],
  ] as const) {
    for (const action of granted(policy).filter((a) => a.startsWith('dynamodb:'))) {
      const expected = TABLES_OF[name](action)
      t.same(resourcesOf(policy, action), expected, `${name}: ${action} on exactly ${expected.join(', ')}`)
    }
    for (const s of policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('kms:')))) {
      t.same(s.Resource, [ARN.key], `${name}: KMS on the one key`)
      t.ok(s.Condition?.StringEquals?.['kms:ViaService'], `${name}: KMS only through DynamoDB and SQS`)
    }
  }
  t.same(
    resourcesOf(policies.server, 'logs:PutLogEvents'),
    [`${ARN.metrics}:log-stream:*`],
    'collector metrics log group only',
  )
  t.same(
    granted(policies.execution).filter((a) => !a.startsWith('ecr:') && !a.startsWith('logs:')),
    ['kms:Decrypt', 'secretsmanager:GetSecretValue'],
    'the execution role reads the secrets and nothing of the data',
  )
})

t.test('the operator scripts are not the tasks: their X-Ray reads stay out of the task roles', async (t) => {
  const scripts = actionsSentFrom(repoRoot, 'scripts/traces.ts').actions
  t.same([...scripts.keys()].sort(), ['xray:BatchGetTraces', 'xray:GetTraceSummaries'])
})
