# The cluster, the server's task (server + ADOT collector), its service, the notifier, autoscaling.

mock_provider "aws" {
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/guildhall-prod" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/guildhall-prod-server:1" }
  }
}

variables {
  name                      = "guildhall-prod"
  aws_region                = "eu-west-1"
  image                     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/guildhall:1.0.0"
  private_subnet_ids        = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  service_security_group_id = "sg-0123456789abcdef0"
  target_group_arn          = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/guildhall-prod-server/0123456789abcdef"
  execution_role_arn        = "arn:aws:iam::123456789012:role/guildhall-prod-execution"
  task_role_arn             = "arn:aws:iam::123456789012:role/guildhall-prod-server"
  notifier_task_role_arn    = "arn:aws:iam::123456789012:role/guildhall-prod-notifier"
  core_table_name           = "gg_core"
  guild_table_name          = "gg_guild"
  events_queue_url          = "https://sqs.eu-west-1.amazonaws.com/123456789012/guildhall-prod-events.fifo"
  commands_queue_url        = "https://sqs.eu-west-1.amazonaws.com/123456789012/guildhall-prod-commands"
  jwt_secret_arn            = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guildhall-prod/jwt-AbCdEf"
  cluster_secret_arn        = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guildhall-prod/cluster-AbCdEf"
  server_log_group_name     = "/guildhall/prod/server"
  collector_log_group_name  = "/guildhall/prod/adot"
  metrics_log_group_name    = "/guildhall/prod/metrics"
  notifier_log_group_name   = "/guildhall/prod/notifier"
  otel_service_name         = "guildhall-prod"
}

run "server_task" {
  command = plan

  assert {
    condition     = aws_ecs_task_definition.server.cpu == "256" && aws_ecs_task_definition.server.memory == "512" && aws_ecs_task_definition.server.network_mode == "awsvpc" && contains(aws_ecs_task_definition.server.requires_compatibilities, "FARGATE")
    error_message = "a Fargate task of 256 CPU units and 512 MiB by default"
  }
  assert {
    condition     = [for c in jsondecode(aws_ecs_task_definition.server.container_definitions) : c.name] == ["server", "adot-collector"]
    error_message = "two containers: the server and the ADOT collector"
  }
  assert {
    condition     = one(aws_ecs_cluster.this.setting).name == "containerInsights" && one(aws_ecs_cluster.this.setting).value == "enabled"
    error_message = "container insights on"
  }
}

run "server_environment_and_secrets" {
  command = plan

  assert {
    condition = alltrue([for k, v in {
      PORT                  = "8787", INTERNAL_PORT = "8788", STORE = "dynamodb", CORE_TABLE = "gg_core", GUILD_TABLE = "gg_guild",
      AWS_REGION            = "eu-west-1", CREATE_TABLES = "false", HOST = "0.0.0.0",
      EVENTS_QUEUE_URL      = "https://sqs.eu-west-1.amazonaws.com/123456789012/guildhall-prod-events.fifo",
      COMMANDS_QUEUE_URL    = "https://sqs.eu-west-1.amazonaws.com/123456789012/guildhall-prod-commands",
      OTEL_TRACES_EXPORTER  = "otlp", OTEL_EXPORTER_OTLP_ENDPOINT = "http://127.0.0.1:4318",
      OTEL_METRICS_EXPORTER = "prometheus", OTEL_EXPORTER_PROMETHEUS_HOST = "127.0.0.1", OTEL_EXPORTER_PROMETHEUS_PORT = "9464",
      OTEL_SERVICE_NAME     = "guildhall-prod",
    } : contains(jsondecode(aws_ecs_task_definition.server.container_definitions)[0].environment, { name = k, value = v })])
    error_message = "the server's environment: PROTOCOL.md sections 1, 8, 9, 11"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.server.container_definitions)[0].secrets == [{ name = "JWT_SECRET", valueFrom = var.jwt_secret_arn }, { name = "CLUSTER_SECRET", valueFrom = var.cluster_secret_arn }]
    error_message = "JWT_SECRET and CLUSTER_SECRET come from Secrets Manager through `secrets`"
  }
  assert {
    condition     = alltrue([for c in jsondecode(aws_ecs_task_definition.server.container_definitions) : alltrue([for e in c.environment : !contains(["JWT_SECRET", "CLUSTER_SECRET"], e.name) && !strcontains(e.value, "secretsmanager")])])
    error_message = "no secret in any container's plain environment"
  }
  assert {
    condition     = !anytrue([for e in jsondecode(aws_ecs_task_definition.server.container_definitions)[0].environment : contains(["ADVERTISE_HOST", "NODE_ID"], e.name)])
    error_message = "ADVERTISE_HOST and NODE_ID come from the ECS task metadata, not the task definition"
  }
}

run "health_checks_logs_and_stop_timeout" {
  command = plan

  assert {
    condition     = alltrue([for c in jsondecode(aws_ecs_task_definition.server.container_definitions) : length(c.healthCheck.command) > 1])
    error_message = "every container has its own health check"
  }
  assert {
    condition     = strcontains(jsondecode(aws_ecs_task_definition.server.container_definitions)[0].healthCheck.command[3], "/health")
    error_message = "the server's container check is /health (the load balancer's is /ready)"
  }
  assert {
    condition     = [for c in jsondecode(aws_ecs_task_definition.server.container_definitions) : c.logConfiguration.options["awslogs-group"]] == ["/guildhall/prod/server", "/guildhall/prod/adot"]
    error_message = "each container logs to its own log group"
  }
  assert {
    condition     = alltrue([for c in jsondecode(aws_ecs_task_definition.server.container_definitions) : c.logConfiguration.logDriver == "awslogs" && c.logConfiguration.options["awslogs-region"] == "eu-west-1" && c.logConfiguration.options["awslogs-stream-prefix"] != ""])
    error_message = "awslogs with a stream prefix per container"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.server.container_definitions)[0].stopTimeout == 60
    error_message = "the server has 60 s to drain after SIGTERM"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.server.container_definitions)[0].dependsOn == [{ containerName = "adot-collector", condition = "START" }]
    error_message = "the server starts after the collector and stops before it (its last spans find it)"
  }
}

run "adot_sidecar" {
  command = plan

  assert {
    condition     = jsondecode(aws_ecs_task_definition.server.container_definitions)[1].essential == false && jsondecode(aws_ecs_task_definition.server.container_definitions)[0].essential == true
    error_message = "the collector is not essential: its failure never stops chat"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.server.container_definitions)[1].environment[0].name == "AOT_CONFIG_CONTENT"
    error_message = "the collector's configuration is in AOT_CONFIG_CONTENT"
  }
  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.server.container_definitions)[1].environment[0].value).service.pipelines.traces.exporters == ["awsxray"]
    error_message = "traces go to X-Ray through the awsxray exporter"
  }
  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.server.container_definitions)[1].environment[0].value).service.pipelines.metrics.exporters == ["awsemf"]
    error_message = "metrics go to CloudWatch through the awsemf exporter"
  }
  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.server.container_definitions)[1].environment[0].value).receivers.otlp.protocols.http.endpoint == "127.0.0.1:4318"
    error_message = "the collector receives OTLP/HTTP where the server sends it"
  }
  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.server.container_definitions)[1].environment[0].value).exporters.awsemf.namespace == "Guildhall" && yamldecode(jsondecode(aws_ecs_task_definition.server.container_definitions)[1].environment[0].value).exporters.awsemf.log_group_name == "/guildhall/prod/metrics"
    error_message = "EMF metrics in the namespace and the metrics log group"
  }
  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.server.container_definitions)[1].environment[0].value).service.pipelines.metrics.receivers == ["prometheus"] && yamldecode(jsondecode(aws_ecs_task_definition.server.container_definitions)[1].environment[0].value).receivers.prometheus.config.scrape_configs[0].static_configs[0].targets == ["127.0.0.1:9464"]
    error_message = "the collector scrapes the server's /metrics in the task (gauges stay gauges for awsemf)"
  }
  assert {
    condition     = yamldecode(jsondecode(aws_ecs_task_definition.server.container_definitions)[1].environment[0].value).receivers.prometheus.config.scrape_configs[0].job_name == "guildhall-prod"
    error_message = "the scrape job is the service name (the metrics' service.name dimension)"
  }
}

run "server_service" {
  command = plan

  assert {
    condition     = aws_ecs_service.server.deployment_circuit_breaker[0].enable && aws_ecs_service.server.deployment_circuit_breaker[0].rollback
    error_message = "the deployment circuit breaker rolls back"
  }
  assert {
    condition     = aws_ecs_service.server.health_check_grace_period_seconds == 60
    error_message = "health check grace of 60 s"
  }
  assert {
    condition     = one(aws_ecs_service.server.load_balancer).container_name == "server" && one(aws_ecs_service.server.load_balancer).container_port == 8787 && one(aws_ecs_service.server.load_balancer).target_group_arn == var.target_group_arn
    error_message = "the target group reaches the server's public port"
  }
  assert {
    condition     = one(aws_ecs_service.server.network_configuration).assign_public_ip == false && one(aws_ecs_service.server.network_configuration).security_groups == toset([var.service_security_group_id])
    error_message = "tasks in private subnets with the service security group"
  }
  assert {
    condition     = aws_ecs_service.server.launch_type == "FARGATE" && aws_ecs_service.server.desired_count == 1
    error_message = "Fargate, one task by default"
  }
}

run "notifier_service" {
  command = plan

  assert {
    condition     = jsondecode(aws_ecs_task_definition.notifier[0].container_definitions)[0].command == ["node", "src/notifier/main.ts"]
    error_message = "the notifier runs `npm run notifier`'s command from the same image"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.notifier[0].container_definitions)[0].image == var.image
    error_message = "the same image as the server"
  }
  assert {
    condition     = contains(jsondecode(aws_ecs_task_definition.notifier[0].container_definitions)[0].environment, { name = "EVENTS_QUEUE_URL", value = var.events_queue_url }) && contains(jsondecode(aws_ecs_task_definition.notifier[0].container_definitions)[0].environment, { name = "STORE", value = "dynamodb" })
    error_message = "the notifier consumes the events queue with the servers' tables"
  }
  assert {
    condition     = aws_ecs_task_definition.notifier[0].task_role_arn == var.notifier_task_role_arn
    error_message = "the notifier has its own task role"
  }
  assert {
    condition     = aws_ecs_service.notifier[0].deployment_circuit_breaker[0].rollback && length(aws_ecs_service.notifier[0].load_balancer) == 0
    error_message = "the notifier's service rolls back and has no load balancer"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.notifier[0].container_definitions)[0].logConfiguration.options["awslogs-group"] == "/guildhall/prod/notifier"
    error_message = "the notifier logs to its own log group"
  }
}

run "notifier_push_secrets" {
  command = plan

  variables {
    fcm_project_id               = "my-app"
    fcm_credentials_secret_arn   = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guildhall-prod/fcm-AbCdEf"
    vapid_public_key             = "BPublicKey"
    vapid_subject                = "mailto:ops@example.com"
    vapid_private_key_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guildhall-prod/vapid-AbCdEf"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.notifier[0].container_definitions)[0].secrets == [{ name = "VAPID_PRIVATE_KEY", valueFrom = var.vapid_private_key_secret_arn }, { name = "FCM_SERVICE_ACCOUNT_JSON", valueFrom = var.fcm_credentials_secret_arn }]
    error_message = "the push keys come through `secrets`"
  }
  assert {
    condition     = strcontains(jsondecode(aws_ecs_task_definition.notifier[0].container_definitions)[0].command[2], "exec node src/notifier/main.ts")
    error_message = "the shell that writes FCM's key file execs node (SIGTERM reaches it)"
  }
  assert {
    condition     = contains(jsondecode(aws_ecs_task_definition.notifier[0].container_definitions)[0].environment, { name = "GOOGLE_APPLICATION_CREDENTIALS", value = "/tmp/fcm-service-account.json" })
    error_message = "GOOGLE_APPLICATION_CREDENTIALS names the file"
  }
}

run "autoscaling_on_cpu_and_connections" {
  command = plan

  assert {
    condition     = aws_appautoscaling_target.server.min_capacity == 1 && aws_appautoscaling_target.server.max_capacity == 4 && aws_appautoscaling_target.server.scalable_dimension == "ecs:service:DesiredCount"
    error_message = "the server's count between 1 and 4 by default"
  }
  assert {
    condition     = one(aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].predefined_metric_specification).predefined_metric_type == "ECSServiceAverageCPUUtilization" && aws_appautoscaling_policy.cpu.target_tracking_scaling_policy_configuration[0].target_value == 60
    error_message = "target tracking on average CPU"
  }
  assert {
    condition     = one(aws_appautoscaling_policy.connections[0].target_tracking_scaling_policy_configuration[0].customized_metric_specification).metric_name == "guildhall_connections" && one(aws_appautoscaling_policy.connections[0].target_tracking_scaling_policy_configuration[0].customized_metric_specification).statistic == "Average"
    error_message = "target tracking on the connections per task"
  }
  assert {
    condition     = one(one(aws_appautoscaling_policy.connections[0].target_tracking_scaling_policy_configuration[0].customized_metric_specification).dimensions).value == "guildhall-prod"
    error_message = "the connections of this deployment's servers (service.name)"
  }
}

run "without_the_collector" {
  command = plan

  variables {
    enable_collector = false
  }

  assert {
    condition     = length(jsondecode(aws_ecs_task_definition.server.container_definitions)) == 1 && contains(jsondecode(aws_ecs_task_definition.server.container_definitions)[0].environment, { name = "OTEL_TRACES_EXPORTER", value = "none" })
    error_message = "no sidecar, nothing exported"
  }
  assert {
    condition     = length(aws_appautoscaling_policy.connections) == 0
    error_message = "no connections policy without the metric"
  }
}

run "rejects_a_secret_in_the_environment" {
  command = plan

  variables {
    server_environment = { JWT_SECRET = "hunter2" }
  }

  expect_failures = [var.server_environment]
}

run "rejects_a_stop_timeout_too_short_for_the_drain" {
  command = plan

  variables {
    stop_timeout = 10
  }

  expect_failures = [var.stop_timeout]
}

run "rejects_a_stop_timeout_fargate_refuses" {
  command = plan

  variables {
    stop_timeout = 300
  }

  expect_failures = [var.stop_timeout]
}

run "rejects_a_memory_size_fargate_lacks" {
  command = plan

  variables {
    task_cpu    = 1024
    task_memory = 512
  }

  expect_failures = [var.task_memory]
}

run "notifier_needs_the_events_queue" {
  command = plan

  variables {
    events_queue_url = null
  }

  expect_failures = [aws_ecs_task_definition.notifier]
}
