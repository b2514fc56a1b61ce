/**
 * The secrets module keeps secret values out of Terraform's records: planned for real, offline
 * (test/infra/offline-plan.ts), with a JWT secret given the way an operator gives it (an
 * ephemeral variable from TF_VAR_jwt_secret), the plan (which holds everything an apply would
 * record in state: variables, planned values, configuration) contains neither that value nor any
 * plaintext `secret_string`, and the real provider accepts the write-only values, the generated
 * cluster secret included. Without terraform or the mirror this test fails: it never skips.
 */
import t from 'tap'
import { moduleSource, offlinePlan, plannedResources } from './offline-plan.ts'

const SENTINEL = 'sentinel-jwt-secret-0123456789abcdef0123456789abcdef'

t.test('a given JWT secret reaches no plan, and no secret_string is planned', async (t) => {
  const plan = offlinePlan(
    `variable "jwt_secret" {
  type      = string
  ephemeral = true
  sensitive = true
}

module "secrets" {
  source      = ${moduleSource('secrets')}
  kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/offline"
  jwt_secret  = var.jwt_secret
}
`,
    { TF_VAR_jwt_secret: SENTINEL },
  )
  t.notOk(plan.text.includes(SENTINEL), 'the value is nowhere in the plan')
  const versions = plannedResources(plan).filter((r) => r.type === 'aws_secretsmanager_secret_version')
  t.same(versions.map((r) => r.address).sort(), [
    'module.secrets.aws_secretsmanager_secret_version.cluster',
    'module.secrets.aws_secretsmanager_secret_version.jwt[0]',
  ])
  for (const v of versions) {
    t.equal(v.values.secret_string ?? null, null, `${v.address}: no plaintext secret_string`)
    t.equal(v.values.secret_string_wo ?? null, null, `${v.address}: the write-only value is not kept`)
    t.equal(v.values.secret_string_wo_version, 1, `${v.address}: written at version 1`)
  }
})
