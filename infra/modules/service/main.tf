# The ECS cluster and the server: a Fargate task of the server (the image's default command) and
# the ADOT collector sidecar (collector.tf), behind the load balancer's target group.

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = var.tags
}

locals {
  # PROTOCOL.md sections 1, 8, 9 and 11; docs/operations.md. ADVERTISE_HOST and NODE_ID are left
  # to the server, which reads them from the ECS task metadata (docs/cluster.md).
  server_environment = merge(
    {
      PORT          = tostring(var.container_port)
      HOST          = "0.0.0.0"
      STORE         = "dynamodb"
      CORE_TABLE    = var.core_table_name
      GUILD_TABLE   = var.guild_table_name
      AWS_REGION    = var.aws_region
      CREATE_TABLES = "false" # the tables module creates them, with PITR, KMS and protection
      INTERNAL_PORT = tostring(var.internal_port)
      NODE_ENV      = "production"
    },
    var.jwt_issuer == null ? {} : { JWT_ISSUER = var.jwt_issuer },
    var.jwt_audience == null ? {} : { JWT_AUDIENCE = var.jwt_audience },
    var.events_queue_url == null ? {} : { EVENTS_QUEUE_URL = var.events_queue_url },
    var.commands_queue_url == null ? {} : { COMMANDS_QUEUE_URL = var.commands_queue_url },
    var.enable_collector ? {
      OTEL_SERVICE_NAME     = var.otel_service_name
      OTEL_TRACES_EXPORTER  = "otlp"
      OTEL_METRICS_EXPORTER = "prometheus"
      # The collector in the task scrapes it there; nothing outside the task can reach it.
      OTEL_EXPORTER_PROMETHEUS_HOST = "127.0.0.1"
      OTEL_EXPORTER_PROMETHEUS_PORT = tostring(local.prometheus_port)
      OTEL_EXPORTER_OTLP_ENDPOINT   = "http://${local.otlp_http_endpoint}"
      OTEL_EXPORTER_OTLP_PROTOCOL   = "http/protobuf"
      OTEL_TRACES_SAMPLER           = var.otel_traces_sampler
      OTEL_TRACES_SAMPLER_ARG       = tostring(var.otel_traces_sampler_arg)
      } : {
      OTEL_TRACES_EXPORTER  = "none"
      OTEL_METRICS_EXPORTER = "none"
    },
    var.server_environment,
  )

  # Values ECS reads from Secrets Manager at start: never in the task definition or the state.
  server_secrets = concat(
    [{ name = "JWT_SECRET", valueFrom = var.jwt_secret_arn }],
    var.cluster_secret_arn == null ? [] : [{ name = "CLUSTER_SECRET", valueFrom = var.cluster_secret_arn }],
  )

  server_container = {
    name      = "server"
    image     = var.image
    essential = true
    portMappings = [
      { name = "http", containerPort = var.container_port, protocol = "tcp" },
      { name = "link", containerPort = var.internal_port, protocol = "tcp" },
    ]
    environment = [for k in sort(keys(local.server_environment)) : { name = k, value = local.server_environment[k] }]
    secrets     = local.server_secrets
    # Each connection is a socket.
    ulimits = [{ name = "nofile", softLimit = 65535, hardLimit = 65535 }]
    # The image's HEALTHCHECK, which ECS does not read: /health is 200 from listening to exit
    # (/ready, the load balancer's check, turns 503 at a drain).
    healthCheck = {
      command     = ["CMD", "node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 20
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.server_log_group_name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = "server"
      }
    }
    # SIGTERM, then this long for the drain (hand-off, 1001 closes, accepted writes, the last span
    # and metric exports of at most 5 s each) before SIGKILL.
    stopTimeout = var.stop_timeout
    dependsOn   = var.enable_collector ? [{ containerName = "adot-collector", condition = "START" }] : []
  }
}

resource "aws_ecs_task_definition" "server" {
  family                   = "${var.name}-server"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.task_cpu)
  memory                   = tostring(var.task_memory)
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode(concat(
    [local.server_container],
    var.enable_collector ? [local.collector_container] : [],
  ))

  tags = var.tags
}

resource "aws_ecs_service" "server" {
  name                               = "${var.name}-server"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.server.arn
  desired_count                      = var.desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  # Seconds after start before failing load balancer checks count: the store check and the
  # cluster join come before /ready.
  health_check_grace_period_seconds = var.health_check_grace_period
  propagate_tags                    = "SERVICE"
  enable_ecs_managed_tags           = true
  enable_execute_command            = false

  # A deploy whose tasks do not get healthy stops and goes back to the last working one.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  load_balancer {
    target_group_arn = var.target_group_arn
    container_name   = "server"
    container_port   = var.container_port
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.service_security_group_id]
    assign_public_ip = var.assign_public_ip
  }

  # Autoscaling owns the count once the service exists.
  lifecycle {
    ignore_changes = [desired_count]
  }

  tags = var.tags
}
