output "server_log_group_name" {
  description = "The server container's log group (the seed's `cloudwatch_log_group`)."
  value       = aws_cloudwatch_log_group.this["server"].name
}

output "collector_log_group_name" {
  description = "The ADOT collector container's log group."
  value       = aws_cloudwatch_log_group.this["adot"].name
}

output "metrics_log_group_name" {
  description = "The log group the collector writes EMF metrics to."
  value       = aws_cloudwatch_log_group.this["metrics"].name
}

output "notifier_log_group_name" {
  description = "The notifier container's log group."
  value       = aws_cloudwatch_log_group.this["notifier"].name
}

output "log_group_arns" {
  description = "ARNs of the four log groups, by role (server, adot, metrics, notifier): for the execution and task roles."
  value       = { for k, g in aws_cloudwatch_log_group.this : k => g.arn }
}

output "alarm_topic_arn" {
  description = "The SNS topic the alarms notify."
  value       = local.alarm_actions[0]
}

output "alarm_arns" {
  description = "ARNs of the alarms, by name."
  value = merge(
    { (aws_cloudwatch_metric_alarm.alb_5xx.alarm_name) = aws_cloudwatch_metric_alarm.alb_5xx.arn },
    { (aws_cloudwatch_metric_alarm.unhealthy_hosts.alarm_name) = aws_cloudwatch_metric_alarm.unhealthy_hosts.arn },
    { (aws_cloudwatch_metric_alarm.no_healthy_hosts.alarm_name) = aws_cloudwatch_metric_alarm.no_healthy_hosts.arn },
    { for a in aws_cloudwatch_metric_alarm.dynamodb_throttles : a.alarm_name => a.arn },
    { for a in aws_cloudwatch_metric_alarm.cpu : a.alarm_name => a.arn },
    { for a in aws_cloudwatch_metric_alarm.memory : a.alarm_name => a.arn },
  )
}
