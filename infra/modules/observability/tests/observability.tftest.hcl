# Log groups with retention and the key; the alarm topic; the alarms on the ALB, tables and services.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:guildhall-prod-alarms" }
  }
}

variables {
  name                    = "guildhall-prod"
  log_group_prefix        = "/guildhall/prod/"
  kms_key_arn             = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
  alb_arn_suffix          = "app/guildhall-prod/0123456789abcdef"
  target_group_arn_suffix = "targetgroup/guildhall-prod-server/0123456789abcdef"
  cluster_name            = "guildhall-prod"
  service_name            = "guildhall-prod-server"
  notifier_service_name   = "guildhall-prod-notifier"
  alarm_emails            = ["ops@example.com"]
}

run "log_groups_with_retention_and_the_key" {
  command = plan

  assert {
    condition     = [for g in aws_cloudwatch_log_group.this : g.name] == ["/guildhall/prod/adot", "/guildhall/prod/metrics", "/guildhall/prod/notifier", "/guildhall/prod/server"]
    error_message = "one log group per container and one for the EMF metrics, under the prefix"
  }
  assert {
    condition     = alltrue([for g in aws_cloudwatch_log_group.this : g.retention_in_days == 30 && g.kms_key_id == var.kms_key_arn])
    error_message = "30 days of retention, encrypted with the key"
  }
}

run "alarm_topic" {

  assert {
    condition     = aws_sns_topic.alarms[0].kms_master_key_id == var.kms_key_arn
    error_message = "the topic is encrypted with the key CloudWatch may use"
  }
  assert {
    condition     = jsondecode(aws_sns_topic_policy.alarms[0].policy).Statement[0].Principal.Service == "cloudwatch.amazonaws.com"
    error_message = "CloudWatch alarms may publish to it"
  }
  assert {
    condition     = length(aws_sns_topic_subscription.email) == 1
    error_message = "the e-mail subscription"
  }
}

run "alarms" {
  command = plan

  assert {
    condition     = [for q in aws_cloudwatch_metric_alarm.alb_5xx.metric_query : q.metric[0].metric_name if length(q.metric) > 0] == ["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count"]
    error_message = "5xx of the ALB and of the servers"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.unhealthy_hosts.metric_name == "UnHealthyHostCount" && aws_cloudwatch_metric_alarm.unhealthy_hosts.dimensions.TargetGroup == var.target_group_arn_suffix
    error_message = "unhealthy hosts of the target group"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.no_healthy_hosts.treat_missing_data == "breaching"
    error_message = "no data on healthy hosts is no healthy host"
  }
  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.dynamodb_throttles) == ["gg_core", "gg_guild"]
    error_message = "throttles of both tables"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.dynamodb_throttles : toset([for q in a.metric_query : q.metric[0].metric_name if length(q.metric) > 0]) == toset(["ReadThrottleEvents", "WriteThrottleEvents"])])
    error_message = "read and write throttles"
  }
  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.cpu) == ["notifier", "server"] && keys(aws_cloudwatch_metric_alarm.memory) == ["notifier", "server"]
    error_message = "CPU and memory of the server and the notifier"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.memory["server"].metric_name == "MemoryUtilization" && aws_cloudwatch_metric_alarm.memory["server"].dimensions.ServiceName == "guildhall-prod-server"
    error_message = "memory of the server service"
  }
}

run "every_alarm_notifies_the_topic" {
  assert {
    condition     = length(output.alarm_arns) == 9
    error_message = "nine alarms: 5xx, unhealthy, no healthy, two tables, CPU and memory of two services"
  }
  assert {
    condition = alltrue([for a in concat(
      [aws_cloudwatch_metric_alarm.alb_5xx, aws_cloudwatch_metric_alarm.unhealthy_hosts, aws_cloudwatch_metric_alarm.no_healthy_hosts],
      values(aws_cloudwatch_metric_alarm.dynamodb_throttles), values(aws_cloudwatch_metric_alarm.cpu), values(aws_cloudwatch_metric_alarm.memory),
    ) : a.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:guildhall-prod-alarms"])])
    error_message = "every alarm notifies the topic"
  }
  assert {
    condition     = output.server_log_group_name == "/guildhall/prod/server" && output.alarm_topic_arn == "arn:aws:sns:eu-west-1:123456789012:guildhall-prod-alarms"
    error_message = "outputs"
  }
}

run "an_existing_topic" {
  command = plan

  variables {
    alarm_topic_arn       = "arn:aws:sns:eu-west-1:123456789012:ops"
    notifier_service_name = null
  }

  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && aws_cloudwatch_metric_alarm.alb_5xx.alarm_actions == toset(["arn:aws:sns:eu-west-1:123456789012:ops"])
    error_message = "alarms notify the given topic, none is created"
  }
  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.cpu) == ["server"]
    error_message = "no notifier alarms without a notifier"
  }
}

run "rejects_a_retention_cloudwatch_lacks" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_a_prefix_without_slashes" {
  command = plan

  variables {
    log_group_prefix = "guildhall"
  }

  expect_failures = [var.log_group_prefix]
}
