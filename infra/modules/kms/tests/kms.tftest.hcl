# The key: rotation on, the deletion window, the alias, and a key policy that lets the account's IAM
# decide, CloudWatch Logs use it for this account's log groups only, and alarms reach encrypted SNS.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555" }
  }
}

variables {
  name                  = "guildhall-prod"
  log_group_name_prefix = "/guildhall/prod/"
}

run "key_rotates_and_waits_before_deletion" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation == true
    error_message = "key rotation must be on"
  }
  assert {
    condition     = aws_kms_key.this.rotation_period_in_days == 365
    error_message = "rotation every 365 days by default"
  }
  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 30
    error_message = "deletion waits the longest window by default"
  }
  assert {
    condition     = aws_kms_alias.this.name == "alias/guildhall-prod"
    error_message = "alias is alias/<name>"
  }
}

run "key_policy" {
  command = plan

  assert {
    condition     = one([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Principal.AWS if s.Sid == "AccountIamPolicies"]) == "arn:aws:iam::123456789012:root"
    error_message = "the account's IAM policies govern the key"
  }
  assert {
    condition     = one([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Principal.Service if s.Sid == "CloudWatchLogs"]) == "logs.eu-west-1.amazonaws.com"
    error_message = "CloudWatch Logs of the region may use the key"
  }
  assert {
    condition     = one([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] if s.Sid == "CloudWatchLogs"]) == "arn:aws:logs:eu-west-1:123456789012:log-group:/guildhall/prod/*"
    error_message = "CloudWatch Logs only for this account's log groups under the prefix"
  }
  assert {
    condition     = length([for s in jsondecode(aws_kms_key.this.policy).Statement : s if s.Sid == "CloudWatchAlarmsToEncryptedSns"]) == 1
    error_message = "alarms may publish to an SNS topic encrypted with the key"
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Sid == "AccountIamPolicies" || s.Action != "kms:*"])
    error_message = "only the account statement grants kms:*"
  }
}

run "no_alarm_statement_when_off" {
  command = plan

  variables {
    allow_cloudwatch_alarms = false
  }

  assert {
    condition     = length(jsondecode(aws_kms_key.this.policy).Statement) == 2
    error_message = "without alarms: the account and logs statements only"
  }
}

run "outputs" {
  assert {
    condition     = output.key_arn == "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    error_message = "key_arn is the key's ARN"
  }
  assert {
    condition     = output.alias_name == "alias/guildhall-prod"
    error_message = "alias_name"
  }
}

run "rejects_a_short_deletion_window" {
  command = plan

  variables {
    deletion_window_in_days = 3
  }

  expect_failures = [var.deletion_window_in_days]
}

run "rejects_an_aws_alias" {
  command = plan

  variables {
    name = "aws/guildhall"
  }

  expect_failures = [var.name]
}
