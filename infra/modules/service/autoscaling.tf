# The server's task count follows CPU and the connections per task (guildhall_connections, the
# server's own gauge, scraped by the collector: the ALB has no per-target connection metric,
# and RequestCountPerTarget counts upgrades, not the connections they hold open).

resource "aws_appautoscaling_target" "server" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.server.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_count
  max_capacity       = var.max_count
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${var.name}-server-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.server.service_namespace
  resource_id        = aws_appautoscaling_target.server.resource_id
  scalable_dimension = aws_appautoscaling_target.server.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.cpu_target_percent
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
    # Scaling in drains a node (its clients reconnect elsewhere): slowly.
    scale_in_cooldown  = var.scale_in_cooldown
    scale_out_cooldown = var.scale_out_cooldown
  }
}

resource "aws_appautoscaling_policy" "connections" {
  count              = var.enable_collector ? 1 : 0
  name               = "${var.name}-server-connections"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.server.service_namespace
  resource_id        = aws_appautoscaling_target.server.resource_id
  scalable_dimension = aws_appautoscaling_target.server.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value = var.connections_per_task_target
    # Each task's collector sends its count every 30 s: the average over the tasks is per task.
    customized_metric_specification {
      namespace   = var.metrics_namespace
      metric_name = "guildhall_connections"
      statistic   = "Average"
      dimensions {
        name  = "service.name"
        value = var.otel_service_name
      }
    }
    scale_in_cooldown  = var.scale_in_cooldown
    scale_out_cooldown = var.scale_out_cooldown
  }
}
