output "execution_role_arn" {
  description = "The task definitions' execution_role_arn (server and push worker)."
  value       = aws_iam_role.execution.arn
}

output "server_task_role_arn" {
  description = "The server task definition's task_role_arn (server and ADOT collector)."
  value       = aws_iam_role.server.arn
}

output "notifier_task_role_arn" {
  description = "The push worker task definition's task_role_arn."
  value       = aws_iam_role.notifier.arn
}

output "server_task_policy_json" {
  description = "The server task role's policy document (test/infra/iam-drift.test.ts compares it with the code)."
  value       = jsonencode(local.server_task_policy)
}

output "notifier_task_policy_json" {
  description = "The push worker task role's policy document."
  value       = jsonencode(local.notifier_task_policy)
}

output "execution_policy_json" {
  description = "The execution role's policy document."
  value       = jsonencode(local.execution_policy)
}
