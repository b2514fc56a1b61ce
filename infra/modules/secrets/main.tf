# The JWT secret (JWT_SECRET) and the cluster secret (CLUSTER_SECRET) in Secrets Manager, encrypted
# with the customer-managed key, for the task definition's `secrets`. Their values never reach the
# plan or the state: they are written through the write-only `secret_string_wo`, from an ephemeral
# input (the JWT secret an issuer shares) or generated here. A write-only value is written when its
# version number changes: bump `jwt_secret_version` / `cluster_secret_version` to write a new one.

locals {
  create_jwt = var.existing_jwt_secret_arn == null

  # A generated value: two UUIDs (crypto/rand, 122 random bits each) as 64 hex digits. Not the
  # ephemeral aws_secretsmanager_random_password: `mock_provider` cannot run ephemeral resources,
  # so neither this module's tests nor the environments' could plan it; nor the random provider,
  # which is not in the offline mirror. It reaches only write-only arguments: never plan or state.
  generated = {
    jwt     = "${replace(uuid(), "-", "")}${replace(uuid(), "-", "")}"
    cluster = "${replace(uuid(), "-", "")}${replace(uuid(), "-", "")}"
  }
}

resource "aws_secretsmanager_secret" "jwt" {
  count = local.create_jwt ? 1 : 0

  name                    = "${var.name_prefix}/jwt-secret"
  description             = "guildhall JWT_SECRET: the HS256 key access tokens are signed with (shared with the token issuer)."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "jwt" {
  count = local.create_jwt ? 1 : 0

  secret_id                = aws_secretsmanager_secret.jwt[0].id
  secret_string_wo         = var.jwt_secret != null ? var.jwt_secret : local.generated.jwt
  secret_string_wo_version = var.jwt_secret_version
}

resource "aws_secretsmanager_secret" "cluster" {
  name                    = "${var.name_prefix}/cluster-secret"
  description             = "guildhall CLUSTER_SECRET: authenticates the node-to-node link between the service's tasks."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = var.recovery_window_in_days
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "cluster" {
  secret_id                = aws_secretsmanager_secret.cluster.id
  secret_string_wo         = local.generated.cluster
  secret_string_wo_version = var.cluster_secret_version
}
