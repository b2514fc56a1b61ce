# One customer-managed key for everything guildhall keeps at rest: the DynamoDB tables, the SQS
# queues, the Secrets Manager secrets, the ECR repository and the CloudWatch log groups.

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  partition  = data.aws_partition.current.partition

  # The account's IAM policies decide who uses the key (the task roles, the operators): DynamoDB,
  # SQS, Secrets Manager and ECR use it on behalf of a principal that IAM allows, so they need no
  # statement of their own.
  account_statement = {
    Sid       = "AccountIamPolicies"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }

  # CloudWatch Logs encrypts with the key as itself, not as a caller: it needs the key policy,
  # limited to this account's log groups (by the name prefix) through the encryption context.
  logs_statement = {
    Sid       = "CloudWatchLogs"
    Effect    = "Allow"
    Principal = { Service = "logs.${local.region}.amazonaws.com" }
    Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    Resource  = "*"
    Condition = {
      ArnLike = {
        "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${var.log_group_name_prefix}*"
      }
    }
  }

  # CloudWatch alarms publishing to an SNS topic encrypted with this key.
  alarms_statement = {
    Sid       = "CloudWatchAlarmsToEncryptedSns"
    Effect    = "Allow"
    Principal = { Service = "cloudwatch.amazonaws.com" }
    Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
    Resource  = "*"
    Condition = {
      StringEquals = { "aws:SourceAccount" = local.account_id }
    }
  }

  policy = {
    Version = "2012-10-17"
    Statement = concat(
      [local.account_statement, local.logs_statement],
      var.allow_cloudwatch_alarms ? [local.alarms_statement] : [],
    )
  }
}

resource "aws_kms_key" "this" {
  description             = "guildhall ${var.name}: tables, queues, secrets, images and logs at rest"
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = jsonencode(local.policy)
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
