# The queues of docs/events.md: each with its DLQ (redrive, only from its own queue), SSE with the
# customer-managed key, TLS only, an alarm on the DLQ's depth; events FIFO and commands standard
# by default, both switchable.

mock_provider "aws" {}

variables {
  name_prefix   = "guildhall-prod"
  kms_key_arn   = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  alarm_actions = ["arn:aws:sns:eu-west-1:123456789012:guildhall-alarms"]
}

run "names_and_types" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this["events"].name == "guildhall-prod-events.fifo" && aws_sqs_queue.this["events"].fifo_queue
    error_message = "events: FIFO by default (a room's events in seq order)"
  }
  assert {
    condition     = aws_sqs_queue.this["events"].content_based_deduplication == false
    error_message = "events: the server gives the deduplication id (messageId)"
  }
  assert {
    condition     = aws_sqs_queue.this["events"].deduplication_scope == "messageGroup" && aws_sqs_queue.this["events"].fifo_throughput_limit == "perMessageGroupId"
    error_message = "events: high-throughput FIFO (limit per room)"
  }
  assert {
    condition     = aws_sqs_queue.dlq["events"].name == "guildhall-prod-events-dlq.fifo" && aws_sqs_queue.dlq["events"].fifo_queue
    error_message = "the DLQ of a FIFO queue is FIFO"
  }
  assert {
    condition     = aws_sqs_queue.this["commands"].name == "guildhall-prod-commands" && !aws_sqs_queue.this["commands"].fifo_queue
    error_message = "commands: standard by default"
  }
  assert {
    condition     = aws_sqs_queue.dlq["commands"].name == "guildhall-prod-commands-dlq"
    error_message = "commands DLQ name"
  }
}

run "each_queue_redrives_to_its_own_dlq" {
  assert {
    condition = alltrue([for k, q in aws_sqs_queue.this :
      jsondecode(q.redrive_policy).deadLetterTargetArn == aws_sqs_queue.dlq[k].arn
    ])
    error_message = "each queue's redrive policy targets its own DLQ"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.this["events"].redrive_policy).maxReceiveCount == 5 && jsondecode(aws_sqs_queue.this["commands"].redrive_policy).maxReceiveCount == 5
    error_message = "maxReceiveCount 5 by default"
  }
  assert {
    condition = alltrue([for k, p in aws_sqs_queue_redrive_allow_policy.dlq :
      jsondecode(p.redrive_allow_policy).redrivePermission == "byQueue" &&
      jsondecode(p.redrive_allow_policy).sourceQueueArns == [aws_sqs_queue.this[k].arn] &&
      p.queue_url == aws_sqs_queue.dlq[k].id
    ])
    error_message = "only its own queue may move messages into a DLQ"
  }
  assert {
    condition     = alltrue([for q in aws_sqs_queue.dlq : q.message_retention_seconds == 1209600])
    error_message = "DLQs keep messages 14 days"
  }
  assert {
    condition     = output.events_queue_url == aws_sqs_queue.this["events"].url && output.commands_queue_url == aws_sqs_queue.this["commands"].url
    error_message = "outputs: the queue URLs"
  }
}

run "encrypted_with_the_key_and_tls_only" {
  assert {
    condition     = alltrue([for q in concat(values(aws_sqs_queue.this), values(aws_sqs_queue.dlq)) : q.kms_master_key_id == var.kms_key_arn])
    error_message = "every queue and DLQ is encrypted with the customer-managed key"
  }
  assert {
    condition     = length(aws_sqs_queue_policy.tls_only) == 4
    error_message = "a policy on each of the four queues"
  }
  assert {
    condition = alltrue([for p in aws_sqs_queue_policy.tls_only :
      jsondecode(p.policy).Statement[0].Effect == "Deny" && jsondecode(p.policy).Statement[0].Condition.Bool["aws:SecureTransport"] == "false"
    ])
    error_message = "requests without TLS are denied"
  }
}

run "dlq_depth_alarms" {
  assert {
    condition = alltrue([for k, a in aws_cloudwatch_metric_alarm.dlq_depth :
      a.namespace == "AWS/SQS" && a.metric_name == "ApproximateNumberOfMessagesVisible" &&
      a.dimensions.QueueName == aws_sqs_queue.dlq[k].name &&
      a.comparison_operator == "GreaterThanThreshold" && a.threshold == 0 &&
      a.alarm_actions == toset(var.alarm_actions)
    ])
    error_message = "each DLQ alarms on any visible message, notifying alarm_actions"
  }
  assert {
    condition     = toset(keys(aws_cloudwatch_metric_alarm.dlq_depth)) == toset(["events", "commands"])
    error_message = "one alarm per DLQ"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.events_age[0].dimensions.QueueName == aws_sqs_queue.this["events"].name && aws_cloudwatch_metric_alarm.events_age[0].threshold == 900
    error_message = "the events queue's oldest-message age alarm"
  }
}

run "switches_and_counts" {
  command = plan

  variables {
    events_fifo                = false
    commands_fifo              = true
    commands_max_receive_count = 3
    events_age_alarm_seconds   = null
  }

  assert {
    condition     = aws_sqs_queue.this["events"].name == "guildhall-prod-events" && aws_sqs_queue.dlq["events"].name == "guildhall-prod-events-dlq"
    error_message = "standard events queue"
  }
  assert {
    condition     = aws_sqs_queue.this["commands"].name == "guildhall-prod-commands.fifo" && aws_sqs_queue.this["commands"].content_based_deduplication
    error_message = "FIFO commands queue, deduplicated by content"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.this["commands"].redrive_policy).maxReceiveCount == 3
    error_message = "commands_max_receive_count"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.events_age) == 0
    error_message = "no age alarm when turned off"
  }
}

run "rejects_bad_values" {
  command = plan

  variables {
    events_max_receive_count = 0
    kms_key_arn              = "alias/guildhall"
  }

  expect_failures = [var.events_max_receive_count, var.kms_key_arn]
}
