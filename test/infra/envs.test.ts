/**
 * Each environment (infra/envs/dev, infra/envs/prod) applied against a mock AWS by its own `terraform
 * test` (mock_provider "aws"), and the resulting state read from `terraform test -json -verbose`: what
 * a module's own test cannot see, because it is the wiring of the modules, is checked here on the
 * resources themselves. The tables' keys, PITR, KMS and deletion protection; the queues' KMS; the
 * target group's stickiness, the ALB's idle timeout; the secrets reaching the containers through
 * `secrets` only and the JWT secret's value nowhere in the state; the node link port open only from the
 * tasks' own security group; the roles' policies as the iam module renders them; the drain order.
 * Without terraform or the mirror this test fails, it never skips.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { initCopy, repoRoot, requireTerraform, terraformAsync } from '../support/terraform.ts'

t.setTimeout(600_000)

/** The value the tests pass as jwt_secret (infra/envs/<env>/tests/<env>.tftest.hcl). */
const TEST_JWT_SECRET = '0123456789abcdef0123456789abcdef0123456789'

interface Resource {
  address: string
  type: string
  // biome-ignore lint/suspicious/noExplicitAny: state values follow the provider schema, read field by field below
  values: Record<string, any>
}

async function state(env: string): Promise<{ resources: Resource[]; raw: string }> {
  const copy = initCopy(`infra/envs/${env}`)
  try {
    const out = await terraformAsync(
      copy.path,
      'test',
      '-json',
      '-verbose',
      '-no-color',
      '-filter',
      `tests/${env}.tftest.hcl`,
    )
    for (const line of out.split('\n')) {
      if (!line.includes('"test_state"')) continue
      const message = JSON.parse(line)
      if (message.type !== 'test_state' || message['@testrun'] !== 'environment') continue
      const resources: Resource[] = message.test_state.root_module.child_modules.flatMap(
        (m: { resources?: Resource[] }) => m.resources ?? [],
      )
      // The provider schemas are most of the message; the values are what must not hold the secret.
      return { resources, raw: JSON.stringify(message.test_state.root_module) }
    }
    throw new Error(`no state of the run "environment" in ${env}'s terraform test output`)
  } finally {
    copy.remove()
  }
}

const byAddress = (resources: Resource[], address: string): Resource => {
  const r = resources.find((x) => x.address === address)
  if (!r) throw new Error(`${address} is not in the state`)
  return r
}

t.test('dev and prod wire the modules the same way', async (t) => {
  const main = (env: string) => readFileSync(join(repoRoot, 'infra/envs', env, 'main.tf'), 'utf8')
  t.equal(main('dev'), main('prod'), 'one main.tf: the environments differ in defaults and backend only')
  const backend = (env: string) => readFileSync(join(repoRoot, 'infra/envs', env, 'backend.tf'), 'utf8')
  for (const env of ['dev', 'prod']) {
    t.match(backend(env), new RegExp(`key\\s+= "guildhall/${env}/terraform.tfstate"`), `${env}: its own state key`)
    t.match(backend(env), /use_lockfile\s+= true/, `${env}: S3 locking`)
  }
})

for (const env of ['prod', 'dev']) {
  t.test(`infra/envs/${env} as applied against a mock AWS`, async (t) => {
    requireTerraform()
    const { resources, raw } = await state(env)
    const all = (type: string) => resources.filter((r) => r.type === type)
    const prod = env === 'prod'

    t.notOk(raw.includes(TEST_JWT_SECRET), 'the JWT secret value is nowhere in the state (write-only)')

    const tables = all('aws_dynamodb_table')
    t.same(tables.map((r) => r.values.name).sort(), ['gg_core', 'gg_guild'])
    for (const { values: v } of tables) {
      t.same([v.hash_key, v.range_key, v.billing_mode], ['PK', 'SK', 'PAY_PER_REQUEST'], `${v.name}: keys, on demand`)
      t.equal(v.point_in_time_recovery[0].enabled, true, `${v.name}: PITR`)
      t.equal(v.server_side_encryption[0].enabled, true, `${v.name}: SSE`)
      t.match(v.server_side_encryption[0].kms_key_arn, /^arn:aws:kms:/, `${v.name}: with the customer key`)
      t.equal(v.deletion_protection_enabled, prod, `${v.name}: deletion protection ${prod ? 'on' : 'off'}`)
      t.same(v.ttl[0], { attribute_name: 'ttl', enabled: true }, `${v.name}: TTL`)
    }
    for (const { values: v } of all('aws_sqs_queue'))
      t.match(v.kms_master_key_id, /^arn:aws:kms:/, `${v.name}: SSE-KMS`)

    const tg = byAddress(resources, 'module.load_balancer.aws_lb_target_group.server').values
    t.same([tg.stickiness[0].enabled, tg.stickiness[0].type], [true, 'lb_cookie'], 'sticky target group')
    t.equal(tg.health_check[0].path, '/ready', 'health check on /ready')
    const alb = byAddress(resources, 'module.load_balancer.aws_lb.this').values
    t.ok(alb.idle_timeout > 75, `ALB idle timeout ${alb.idle_timeout} s above the 75 s peer timeout`)
    t.equal(alb.enable_deletion_protection, prod, 'ALB deletion protection in prod only')

    // Secrets: through `secrets`, never in `environment`.
    for (const name of ['server', 'notifier[0]']) {
      const td = byAddress(resources, `module.service.aws_ecs_task_definition.${name}`).values
      const containers: {
        name: string
        environment?: { name: string; value: string }[]
        secrets?: { name: string }[]
      }[] = JSON.parse(td.container_definitions)
      const main = containers.find((c) => c.name === (name === 'server' ? 'server' : 'notifier'))
      t.ok(main, `${name}: its container`)
      if (name === 'server') {
        t.same(
          main?.secrets?.map((s) => s.name).sort(),
          ['CLUSTER_SECRET', 'JWT_SECRET'],
          'server: JWT_SECRET and CLUSTER_SECRET come from secrets',
        )
      }
      for (const c of containers) {
        const plain = (c.environment ?? []).map((e) => e.name)
        t.notOk(
          plain.some((n) => /SECRET|PASSWORD|PRIVATE_KEY/.test(n)),
          `${name}/${c.name}: no secret in plain environment (${plain.join(' ')})`,
        )
        t.notOk(JSON.stringify(c).includes(TEST_JWT_SECRET), `${name}/${c.name}: no secret value`)
      }
      const env = Object.fromEntries((main?.environment ?? []).map((e) => [e.name, e.value]))
      t.equal(env.STORE, 'dynamodb', `${name}: STORE=dynamodb`)
      t.not(env.CREATE_TABLES, 'true', `${name}: Terraform owns the tables (the IAM roles cannot create them)`)
      t.equal(td.execution_role_arn !== undefined && td.task_role_arn !== undefined, true, `${name}: both roles`)
    }

    // The node link: INTERNAL_PORT only from the tasks' own group; the ALB reaches the container port only.
    const link = byAddress(resources, 'module.network.aws_vpc_security_group_ingress_rule.service_link').values
    const sg = byAddress(resources, 'module.network.aws_security_group.service').values
    t.equal(link.referenced_security_group_id, sg.id, 'link port from the service group itself')
    t.equal(link.cidr_ipv4, null, 'link port from no CIDR')
    const fromAlb = byAddress(resources, 'module.network.aws_vpc_security_group_ingress_rule.service_from_alb').values
    t.not(fromAlb.from_port, link.from_port, 'the ALB never reaches the link port')
    t.equal(
      all('aws_vpc_security_group_ingress_rule').filter(
        (r) => r.values.from_port <= link.from_port && link.from_port <= r.values.to_port,
      ).length,
      1,
      'exactly one ingress rule covers the link port',
    )

    // The roles' policies are the iam module's documents (the drift test checks those against the code).
    const policy = (name: string) =>
      JSON.parse(byAddress(resources, `module.iam.aws_iam_role_policy.${name}`).values.policy)
    const actions = (p: { Statement: { Action: string[] }[] }) => p.Statement.flatMap((s) => s.Action)
    t.ok(actions(policy('server')).includes('sqs:SendMessage'), 'server policy attached')
    t.notOk(actions(policy('notifier')).includes('sqs:SendMessage'), 'the push worker sends to no queue')
    const secretsRead = policy('execution').Statement.find((s: { Sid: string }) => s.Sid === 'ReadSecrets').Resource
    t.equal(secretsRead.length, 2, 'the execution role reads the JWT and the cluster secrets')
    t.ok(
      all('aws_ecs_service').every((s) => s.values.deployment_circuit_breaker[0].rollback),
      'circuit breaker rolls back',
    )
  })
}
