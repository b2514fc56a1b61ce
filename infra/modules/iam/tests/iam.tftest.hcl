# The three roles: only ECS tasks of this account assume them; the execution role reads the secrets,
# the task roles never do; no wildcard action. test/infra/iam-drift.test.ts compares the task roles
# with the code's AWS calls.

mock_provider "aws" {}

variables {
  name                     = "guildhall-test"
  core_table_arn           = "arn:aws:dynamodb:eu-west-1:123456789012:table/gg_core"
  guild_table_arn          = "arn:aws:dynamodb:eu-west-1:123456789012:table/gg_guild"
  guild_inverted_index_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/gg_guild/index/inverted"
  events_queue_arn         = "arn:aws:sqs:eu-west-1:123456789012:guildhall-events.fifo"
  commands_queue_arn       = "arn:aws:sqs:eu-west-1:123456789012:guildhall-commands"
  kms_key_arn              = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  secret_arns              = ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:guildhall/jwt-AbCdEf"]
  ecr_repository_arns      = ["arn:aws:ecr:eu-west-1:123456789012:repository/guildhall"]
  log_group_arns           = ["arn:aws:logs:eu-west-1:123456789012:log-group:/guildhall/test/server"]
  metrics_log_group_arn    = "arn:aws:logs:eu-west-1:123456789012:log-group:/guildhall/test/metrics"
}

run "roles_assumed_by_this_accounts_ecs_tasks_only" {
  command = plan

  assert {
    condition     = jsondecode(aws_iam_role.server.assume_role_policy).Statement[0].Principal.Service == "ecs-tasks.amazonaws.com"
    error_message = "the task role is for ECS tasks"
  }
  assert {
    condition     = jsondecode(aws_iam_role.execution.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "only this account's tasks assume the roles"
  }
  assert {
    condition     = aws_iam_role.notifier.name == "guildhall-test-notifier"
    error_message = "role names start with var.name"
  }
}

run "secrets_read_by_the_execution_role_only" {
  command = plan

  assert {
    condition     = contains(flatten([for s in jsondecode(output.execution_policy_json).Statement : s.Action]), "secretsmanager:GetSecretValue")
    error_message = "the execution role reads the secrets"
  }
  assert {
    condition     = !strcontains(output.server_task_policy_json, "secretsmanager") && !strcontains(output.notifier_task_policy_json, "secretsmanager")
    error_message = "the task roles never read the secrets"
  }
  assert {
    condition     = alltrue([for p in [output.server_task_policy_json, output.notifier_task_policy_json, output.execution_policy_json] : alltrue([for s in jsondecode(p).Statement : alltrue([for a in s.Action : !strcontains(a, "*")])])])
    error_message = "no wildcard action"
  }
}

run "the_push_worker_reaches_the_core_table_only" {
  command = plan

  assert {
    condition     = !strcontains(output.notifier_task_policy_json, "gg_guild")
    error_message = "the push worker's role names neither the guild table nor its index"
  }
}

run "a_bad_arn_is_refused" {
  command = plan

  variables {
    events_queue_arn = "guildhall-events"
  }
  expect_failures = [var.events_queue_arn]
}
