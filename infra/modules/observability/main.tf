# Where the service's logs and metrics land, and the alarms that say when to look: log groups with
# retention (encrypted with the kms module's key), an SNS topic for the alarms (or one given), and
# alarms on the load balancer, the tables and the services. The queues' DLQ alarms live with the
# queues module.

data "aws_caller_identity" "current" {}

locals {
  # One log group per container (the seed's separate streams) and one for the collector's EMF metrics.
  log_groups = {
    server   = "${var.log_group_prefix}server"
    adot     = "${var.log_group_prefix}adot"
    metrics  = "${var.log_group_prefix}metrics"
    notifier = "${var.log_group_prefix}notifier"
  }

  create_topic  = var.alarm_topic_arn == null
  alarm_actions = [local.create_topic ? aws_sns_topic.alarms[0].arn : var.alarm_topic_arn]

  ecs_services = merge(
    { server = var.service_name },
    var.notifier_service_name == null ? {} : { notifier = var.notifier_service_name },
  )
}

resource "aws_cloudwatch_log_group" "this" {
  for_each          = local.log_groups
  name              = each.value
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

# --- where alarms go ---------------------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  count = local.create_topic ? 1 : 0
  name  = "${var.name}-alarms"
  # The kms module's key lets CloudWatch alarms use it (allow_cloudwatch_alarms); AWS's own
  # alias/aws/sns would not.
  kms_master_key_id = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sns_topic_policy" "alarms" {
  count = local.create_topic ? 1 : 0
  arn   = aws_sns_topic.alarms[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudWatchAlarmsOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.alarms[0].arn
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
}

resource "aws_sns_topic_subscription" "email" {
  for_each  = local.create_topic ? toset(var.alarm_emails) : toset([])
  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = each.value
}

# --- load balancer -----------------------------------------------------------------------------

# 5xx from the ALB itself (no healthy target, a target that hung up) and from the servers.
resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  alarm_name          = "${var.name}-alb-5xx"
  alarm_description   = "More than ${var.alb_5xx_threshold} 5xx answers in 5 minutes (load balancer and servers): see docs/deploy.md \"Alarms\"."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.alb_5xx_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "errors"
    expression  = "FILL(elb, 0) + FILL(target, 0)"
    label       = "5xx answers"
    return_data = true
  }

  metric_query {
    id = "elb"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_ELB_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "target"
    metric {
      namespace   = "AWS/ApplicationELB"
      metric_name = "HTTPCode_Target_5XX_Count"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
      stat        = "Sum"
      period      = 300
    }
  }

  tags = var.tags
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  alarm_name          = "${var.name}-unhealthy-hosts"
  alarm_description   = "A server task has failed /ready for 3 minutes (not draining: a drain leaves the target group first)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "no_healthy_hosts" {
  alarm_name          = "${var.name}-no-healthy-hosts"
  alarm_description   = "No server task passes /ready: the service is down."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HealthyHostCount"
  dimensions          = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  comparison_operator = "LessThanThreshold"
  threshold           = 1
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

# --- tables ------------------------------------------------------------------------------------

# On-demand tables throttle past their partitions' or account's limits; the server retries and
# then answers `unavailable`.
resource "aws_cloudwatch_metric_alarm" "dynamodb_throttles" {
  for_each            = toset(var.table_names)
  alarm_name          = "${var.name}-dynamodb-throttles-${each.value}"
  alarm_description   = "${each.value}: more than ${var.dynamodb_throttle_threshold} throttled reads and writes in 5 minutes."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dynamodb_throttle_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "throttles"
    expression  = "FILL(reads, 0) + FILL(writes, 0)"
    label       = "throttled requests"
    return_data = true
  }

  metric_query {
    id = "reads"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "ReadThrottleEvents"
      dimensions  = { TableName = each.value }
      stat        = "Sum"
      period      = 300
    }
  }

  metric_query {
    id = "writes"
    metric {
      namespace   = "AWS/DynamoDB"
      metric_name = "WriteThrottleEvents"
      dimensions  = { TableName = each.value }
      stat        = "Sum"
      period      = 300
    }
  }

  tags = var.tags
}

# --- services ----------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "cpu" {
  for_each            = local.ecs_services
  alarm_name          = "${var.name}-${each.key}-cpu"
  alarm_description   = "${each.value}: average CPU above ${var.cpu_alarm_percent}% for 5 minutes (autoscaling at its maximum, or a hot loop)."
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  dimensions          = { ClusterName = var.cluster_name, ServiceName = each.value }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.cpu_alarm_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "memory" {
  for_each            = local.ecs_services
  alarm_name          = "${var.name}-${each.key}-memory"
  alarm_description   = "${each.value}: average memory above ${var.memory_alarm_percent}% for 5 minutes (a task near its limit is killed)."
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  dimensions          = { ClusterName = var.cluster_name, ServiceName = each.value }
  statistic           = "Average"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.memory_alarm_percent
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
  tags                = var.tags
}
