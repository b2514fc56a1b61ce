# The push worker (docs/events.md "Push worker"): the same image with `npm run notifier`'s command,
# its own service with no load balancer, consuming the events queue.

locals {
  notifier_fcm = var.fcm_credentials_secret_arn != null

  notifier_environment = merge(
    {
      STORE       = "dynamodb"
      CORE_TABLE  = var.core_table_name
      GUILD_TABLE = var.guild_table_name
      AWS_REGION  = var.aws_region
      PORT        = tostring(var.container_port) # /health for the container's check
      NODE_ENV    = "production"
    },
    var.events_queue_url == null ? {} : { EVENTS_QUEUE_URL = var.events_queue_url },
    var.fcm_project_id == null ? {} : { FCM_PROJECT_ID = var.fcm_project_id },
    local.notifier_fcm ? { GOOGLE_APPLICATION_CREDENTIALS = "/tmp/fcm-service-account.json" } : {},
    var.vapid_public_key == null ? {} : { VAPID_PUBLIC_KEY = var.vapid_public_key },
    var.vapid_subject == null ? {} : { VAPID_SUBJECT = var.vapid_subject },
    var.notifier_environment,
  )

  notifier_secrets = concat(
    var.vapid_private_key_secret_arn == null ? [] : [{ name = "VAPID_PRIVATE_KEY", valueFrom = var.vapid_private_key_secret_arn }],
    local.notifier_fcm ? [{ name = "FCM_SERVICE_ACCOUNT_JSON", valueFrom = var.fcm_credentials_secret_arn }] : [],
  )

  # The worker reads FCM's service-account key from a file (GOOGLE_APPLICATION_CREDENTIALS): the
  # secret arrives as a variable and is written to a file only the process user reads, then the
  # shell execs node, so SIGTERM still reaches node directly.
  notifier_command = local.notifier_fcm ? [
    "sh", "-c",
    "umask 077 && printf '%s' \"$FCM_SERVICE_ACCOUNT_JSON\" > \"$GOOGLE_APPLICATION_CREDENTIALS\" && unset FCM_SERVICE_ACCOUNT_JSON && exec node src/notifier/main.ts",
  ] : ["node", "src/notifier/main.ts"]

  notifier_container = {
    name        = "notifier"
    image       = var.image
    essential   = true
    command     = local.notifier_command
    environment = [for k in sort(keys(local.notifier_environment)) : { name = k, value = local.notifier_environment[k] }]
    secrets     = local.notifier_secrets
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
        awslogs-group         = var.notifier_log_group_name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = "notifier"
      }
    }
    # SIGTERM: the worker stops receiving and finishes the pushes in flight.
    stopTimeout = var.notifier_stop_timeout
  }
}

resource "aws_ecs_task_definition" "notifier" {
  count                    = var.notifier_enabled ? 1 : 0
  family                   = "${var.name}-notifier"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.notifier_cpu)
  memory                   = tostring(var.notifier_memory)
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.notifier_task_role_arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  container_definitions = jsonencode([local.notifier_container])

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.events_queue_url != null && var.notifier_task_role_arn != null
      error_message = "notifier_enabled needs events_queue_url (the queue it consumes) and notifier_task_role_arn."
    }
  }
}

resource "aws_ecs_service" "notifier" {
  count                              = var.notifier_enabled ? 1 : 0
  name                               = "${var.name}-notifier"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.notifier[0].arn
  desired_count                      = var.notifier_desired_count
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"
  enable_ecs_managed_tags            = true

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [var.service_security_group_id]
    assign_public_ip = var.assign_public_ip
  }

  tags = var.tags
}
