# The two SQS queues of docs/events.md: events (the servers publish message.created, the push
# worker and other services consume) and commands (other services send, the servers consume).
# Each has a dead-letter queue, for what its consumer could never handle (a malformed command,
# an event that keeps failing), and an alarm on that queue's depth.

locals {
  queues = {
    events = {
      fifo = var.events_fifo
      # The server sets MessageDeduplicationId (the messageId) on a FIFO queue.
      content_dedup     = false
      max_receive_count = var.events_max_receive_count
    }
    commands = {
      fifo = var.commands_fifo
      # Producers are other services: deduplicate by content unless they give an id.
      content_dedup     = true
      max_receive_count = var.commands_max_receive_count
    }
  }
  name = { for k, q in local.queues : k => "${var.name_prefix}-${k}${q.fifo ? ".fifo" : ""}" }
  dlq  = { for k, q in local.queues : k => "${var.name_prefix}-${k}-dlq${q.fifo ? ".fifo" : ""}" }

  # The longest SQS keeps a message: what reaches a DLQ stays there for someone to look at.
  dlq_retention_seconds = 1209600
}

resource "aws_sqs_queue" "dlq" {
  for_each = local.queues

  name                              = local.dlq[each.key]
  fifo_queue                        = each.value.fifo
  content_based_deduplication       = each.value.fifo ? each.value.content_dedup : null
  message_retention_seconds         = local.dlq_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_data_key_reuse_period_seconds
  tags                              = var.tags
}

resource "aws_sqs_queue" "this" {
  for_each = local.queues

  name                        = local.name[each.key]
  fifo_queue                  = each.value.fifo
  content_based_deduplication = each.value.fifo ? each.value.content_dedup : null
  # High-throughput FIFO: the limit is per room (message group), not per queue.
  deduplication_scope               = each.value.fifo ? "messageGroup" : null
  fifo_throughput_limit             = each.value.fifo ? "perMessageGroupId" : null
  visibility_timeout_seconds        = var.visibility_timeout_seconds
  message_retention_seconds         = var.message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_data_key_reuse_period_seconds
  tags                              = var.tags

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq[each.key].arn
    maxReceiveCount     = each.value.max_receive_count
  })
}

# Only its own queue may move messages into a DLQ.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  for_each = local.queues

  queue_url = aws_sqs_queue.dlq[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this[each.key].arn]
  })
}

# Every queue refuses requests that are not over TLS.
resource "aws_sqs_queue_policy" "tls_only" {
  for_each = merge(
    { for k, q in aws_sqs_queue.this : k => q },
    { for k, q in aws_sqs_queue.dlq : "${k}-dlq" => q },
  )

  queue_url = each.value.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyWithoutTls"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = each.value.arn
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })
}

# A message in a DLQ is a command nobody could read or an event that kept failing: look at it.
resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each = local.queues

  alarm_name          = "${local.dlq[each.key]}-not-empty"
  alarm_description   = "Messages in the ${each.key} dead-letter queue ${local.dlq[each.key]}: read them (docs/events.md), fix the cause, then redrive or delete them."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq[each.key].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dlq_alarm_threshold
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# Events waiting longer than this: the push worker (or another consumer) is down or behind.
resource "aws_cloudwatch_metric_alarm" "events_age" {
  count = var.events_age_alarm_seconds == null ? 0 : 1

  alarm_name          = "${local.name.events}-oldest-age"
  alarm_description   = "The oldest event in ${local.name.events} waited more than ${coalesce(var.events_age_alarm_seconds, 0)} s: the push worker is down, failing or too few."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.this["events"].name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = coalesce(var.events_age_alarm_seconds, 0)
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}
