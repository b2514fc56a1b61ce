# The GoalsGuild messaging service's outputs, and what operating guildhall needs besides.

output "ecr_repository_url" {
  description = "Push the image here (docs/deploy.md)."
  value       = module.ecr.repository_url
}

output "ecs_cluster_name" {
  description = "The ECS cluster."
  value       = module.service.cluster_name
}

output "ecs_service_name" {
  description = "The servers' ECS service."
  value       = module.service.service_name
}

output "notifier_service_name" {
  description = "The push worker's ECS service (null when notifier_enabled is false)."
  value       = module.service.notifier_service_name
}

output "alb_dns_name" {
  description = "The load balancer's DNS name (point domain_name at it)."
  value       = module.load_balancer.alb_dns_name
}

output "messaging_service_url" {
  description = "HTTPS base URL of the API (PROTOCOL.md section 2)."
  value       = "https://${local.host}"
}

output "websocket_url" {
  description = "The multiplexed WebSocket endpoint (GET /ws; /ws/rooms/<roomId> for one room)."
  value       = "wss://${local.host}/ws"
}

output "cloudwatch_log_group" {
  description = "The servers' log group."
  value       = module.observability.server_log_group_name
}

output "security_group_id" {
  description = "The tasks' security group."
  value       = module.network.service_security_group_id
}

output "target_group_arn" {
  description = "The servers' target group."
  value       = module.load_balancer.target_group_arn
}

output "jwt_secret_arn" {
  description = "The JWT secret (read its value with aws secretsmanager get-secret-value to mint tokens: docs/deploy.md)."
  value       = module.secrets.jwt_secret_arn
}

output "events_queue_url" {
  description = "EVENTS_QUEUE_URL."
  value       = module.queues.events_queue_url
}

output "commands_queue_url" {
  description = "COMMANDS_QUEUE_URL: other services send commands here."
  value       = module.queues.commands_queue_url
}

output "alarm_topic_arn" {
  description = "The SNS topic every alarm notifies."
  value       = module.observability.alarm_topic_arn
}

output "core_table_name" {
  description = "CORE_TABLE."
  value       = module.tables.core_table_name
}

output "guild_table_name" {
  description = "GUILD_TABLE."
  value       = module.tables.guild_table_name
}
