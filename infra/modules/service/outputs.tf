output "cluster_name" {
  description = "The ECS cluster's name (the seed's `ecs_cluster_name`; the alarms' ClusterName)."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "The ECS cluster's ARN."
  value       = aws_ecs_cluster.this.arn
}

output "service_name" {
  description = "The server service's name (the seed's `ecs_service_name`; the alarms' ServiceName)."
  value       = aws_ecs_service.server.name
}

output "notifier_service_name" {
  description = "The notifier service's name, or null when it is off."
  value       = var.notifier_enabled ? aws_ecs_service.notifier[0].name : null
}

output "server_task_definition_arn" {
  description = "The server task definition's ARN (with its revision)."
  value       = aws_ecs_task_definition.server.arn
}

output "notifier_task_definition_arn" {
  description = "The notifier task definition's ARN, or null."
  value       = var.notifier_enabled ? aws_ecs_task_definition.notifier[0].arn : null
}

output "stop_timeout" {
  description = "Seconds the server has to drain after SIGTERM."
  value       = var.stop_timeout
}

output "metrics_namespace" {
  description = "CloudWatch namespace of the server's metrics."
  value       = var.metrics_namespace
}

output "otel_service_name" {
  description = "The `service.name` dimension of the server's metrics."
  value       = var.otel_service_name
}
