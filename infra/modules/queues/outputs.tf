output "events_queue_url" {
  description = "The servers' and the push worker's EVENTS_QUEUE_URL."
  value       = aws_sqs_queue.this["events"].url
}

output "events_queue_arn" {
  description = "ARN of the events queue (the server sends, the push worker receives, deletes, changes visibility)."
  value       = aws_sqs_queue.this["events"].arn
}

output "events_queue_name" {
  description = "Name of the events queue."
  value       = aws_sqs_queue.this["events"].name
}

output "events_dlq_url" {
  description = "URL of the events dead-letter queue."
  value       = aws_sqs_queue.dlq["events"].url
}

output "events_dlq_arn" {
  description = "ARN of the events dead-letter queue."
  value       = aws_sqs_queue.dlq["events"].arn
}

output "commands_queue_url" {
  description = "The servers' COMMANDS_QUEUE_URL."
  value       = aws_sqs_queue.this["commands"].url
}

output "commands_queue_arn" {
  description = "ARN of the commands queue (the server receives, deletes, changes visibility; producers send)."
  value       = aws_sqs_queue.this["commands"].arn
}

output "commands_queue_name" {
  description = "Name of the commands queue."
  value       = aws_sqs_queue.this["commands"].name
}

output "commands_dlq_url" {
  description = "URL of the commands dead-letter queue."
  value       = aws_sqs_queue.dlq["commands"].url
}

output "commands_dlq_arn" {
  description = "ARN of the commands dead-letter queue."
  value       = aws_sqs_queue.dlq["commands"].arn
}

output "dlq_alarm_arns" {
  description = "The DLQ depth alarms, by queue (events, commands)."
  value       = { for k, a in aws_cloudwatch_metric_alarm.dlq_depth : k => a.arn }
}
