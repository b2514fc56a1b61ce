# --- names and placement -----------------------------------------------------------------------

variable "name" {
  description = "The ECS cluster's name and the prefix of the services and task families (e.g. `guildhall-prod`)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,200}$", var.name))
    error_message = "name: 1 to 201 of A-Z a-z 0-9 _ -, starting with a letter or digit."
  }
}

variable "aws_region" {
  description = "The region (AWS_REGION of the containers, the log driver's and the collector's region)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.aws_region))
    error_message = "aws_region: a region name such as eu-west-1."
  }
}

variable "image" {
  description = "The guildhall image (ECR repository URL with a tag or digest): the server and the notifier run it."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]{1,128}|@sha256:[0-9a-f]{64})$", var.image))
    error_message = "image: <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<digest>."
  }
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks (private ones, with a NAT gateway or VPC endpoints for the AWS APIs)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "private_subnet_ids: at least one subnet id (subnet-...); two zones or more for availability."
  }
}

variable "service_security_group_id" {
  description = "The tasks' security group (network module's `service_security_group_id`)."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]{8,17}$", var.service_security_group_id))
    error_message = "service_security_group_id: a security group id (sg-...)."
  }
}

variable "assign_public_ip" {
  description = "Give the tasks public IPs (only for public subnets without NAT; the default keeps them private)."
  type        = bool
  default     = false
}

variable "target_group_arn" {
  description = "The load balancer's target group (load_balancer module's `target_group_arn`)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:targetgroup/.+$", var.target_group_arn))
    error_message = "target_group_arn: a target group ARN."
  }
}

variable "container_insights" {
  description = "The cluster's Container Insights: `enhanced`, `enabled` or `disabled`."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enhanced", "enabled", "disabled"], var.container_insights)
    error_message = "container_insights: enhanced, enabled or disabled."
  }
}

variable "cpu_architecture" {
  description = "The tasks' CPU architecture: the image must be built for it (X86_64 or ARM64)."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture: X86_64 or ARM64."
  }
}

# --- roles (iam module) ------------------------------------------------------------------------

variable "execution_role_arn" {
  description = "The execution role: pulls the image, writes the logs, reads the secrets."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.execution_role_arn))
    error_message = "execution_role_arn: an IAM role ARN."
  }
}

variable "task_role_arn" {
  description = "The server's task role (DynamoDB, SQS, KMS, and X-Ray/CloudWatch for the collector)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.task_role_arn))
    error_message = "task_role_arn: an IAM role ARN."
  }
}

variable "notifier_task_role_arn" {
  description = "The notifier's task role; required when notifier_enabled."
  type        = string
  default     = null

  validation {
    condition     = var.notifier_task_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.notifier_task_role_arn))
    error_message = "notifier_task_role_arn: an IAM role ARN, or null."
  }
}

# --- the server task ---------------------------------------------------------------------------

variable "task_cpu" {
  description = "The server task's CPU units (256, 512, 1024, 2048, 4096), the sidecar included."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "task_cpu: 256, 512, 1024, 2048 or 4096."
  }
}

variable "task_memory" {
  description = "The server task's memory in MiB, a Fargate size for task_cpu (256: 512-2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720, in GiB steps above 512)."
  type        = number
  default     = 512

  validation {
    condition = (
      var.task_memory == 512 ? var.task_cpu == 256 :
      var.task_memory % 1024 == 0 && var.task_memory >= lookup({ 256 = 1024, 512 = 1024, 1024 = 2048, 2048 = 4096, 4096 = 8192 }, tostring(var.task_cpu), 0) && var.task_memory <= lookup({ 256 = 2048, 512 = 4096, 1024 = 8192, 2048 = 16384, 4096 = 30720 }, tostring(var.task_cpu), 0)
    )
    error_message = "task_memory: not a Fargate size for task_cpu (256: 512, 1024, 2048; 512: 1024-4096; 1024: 2048-8192; 2048: 4096-16384; 4096: 8192-30720)."
  }
}

variable "desired_count" {
  description = "Server tasks at creation; afterwards autoscaling sets the count between min_count and max_count."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 0 && var.desired_count <= 100 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count: a whole number from 0 to 100."
  }
}

variable "container_port" {
  description = "The server's public port (PORT)."
  type        = number
  default     = 8787

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535 && floor(var.container_port) == var.container_port
    error_message = "container_port: a whole number from 1024 to 65535."
  }
}

variable "internal_port" {
  description = "The node link's port (INTERNAL_PORT); not container_port."
  type        = number
  default     = 8788

  validation {
    condition     = var.internal_port >= 1024 && var.internal_port <= 65535 && floor(var.internal_port) == var.internal_port && var.internal_port != var.container_port
    error_message = "internal_port: a whole number from 1024 to 65535, not container_port."
  }
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL for the server (Fargate allows 120 at most): the drain hands rooms off, closes sockets with 1001, finishes accepted writes and flushes spans and metrics (5 s at most each)."
  type        = number
  default     = 60

  validation {
    condition     = var.stop_timeout >= 30 && var.stop_timeout <= 120 && floor(var.stop_timeout) == var.stop_timeout
    error_message = "stop_timeout: a whole number of seconds from 30 (the drain's writes plus 5 s of span and 5 s of metric flush, with margin) to 120 (Fargate's maximum)."
  }
}

variable "health_check_grace_period" {
  description = "Seconds after a task starts before failed load balancer health checks count (the store check and the cluster join come before /ready)."
  type        = number
  default     = 60

  validation {
    condition     = var.health_check_grace_period >= 0 && var.health_check_grace_period <= 600 && floor(var.health_check_grace_period) == var.health_check_grace_period
    error_message = "health_check_grace_period: a whole number of seconds from 0 to 600."
  }
}

# --- what the server talks to (tables, queues, secrets modules) --------------------------------

variable "core_table_name" {
  description = "CORE_TABLE (tables module's `core_table_name`)."
  type        = string
  default     = "gg_core"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.core_table_name))
    error_message = "core_table_name: a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)."
  }
}

variable "guild_table_name" {
  description = "GUILD_TABLE (tables module's `guild_table_name`)."
  type        = string
  default     = "gg_guild"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.guild_table_name))
    error_message = "guild_table_name: a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)."
  }
}

variable "events_queue_url" {
  description = "EVENTS_QUEUE_URL (queues module); null: no events, and no notifier."
  type        = string
  default     = null

  validation {
    condition     = var.events_queue_url == null || can(regex("^https://sqs\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[0-9]{12}/[A-Za-z0-9_-]{1,75}(\\.fifo)?$", var.events_queue_url))
    error_message = "events_queue_url: an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>), or null."
  }
}

variable "commands_queue_url" {
  description = "COMMANDS_QUEUE_URL (queues module); null: the server reads no commands."
  type        = string
  default     = null

  validation {
    condition     = var.commands_queue_url == null || can(regex("^https://sqs\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[0-9]{12}/[A-Za-z0-9_-]{1,75}(\\.fifo)?$", var.commands_queue_url))
    error_message = "commands_queue_url: an SQS queue URL, or null."
  }
}

variable "jwt_secret_arn" {
  description = "Secrets Manager ARN of JWT_SECRET (secrets module), given to the server through the task definition's `secrets`."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.jwt_secret_arn))
    error_message = "jwt_secret_arn: a Secrets Manager secret ARN."
  }
}

variable "cluster_secret_arn" {
  description = "Secrets Manager ARN of CLUSTER_SECRET (secrets module); null: the server derives it from JWT_SECRET."
  type        = string
  default     = null

  validation {
    condition     = var.cluster_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.cluster_secret_arn))
    error_message = "cluster_secret_arn: a Secrets Manager secret ARN, or null."
  }
}

variable "jwt_issuer" {
  description = "JWT_ISSUER, checked when set."
  type        = string
  default     = null
}

variable "jwt_audience" {
  description = "JWT_AUDIENCE, checked when set."
  type        = string
  default     = null
}

variable "server_environment" {
  description = "More environment of the server (e.g. LIMIT_* limits, AUTO_CREATE_ROOMS, TRACE_ROOMS); it wins over the module's. Never a secret: those go through `secrets`."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.server_environment), ["JWT_SECRET", "CLUSTER_SECRET", "VAPID_PRIVATE_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])) == 0
    error_message = "server_environment: no secret here (JWT_SECRET, CLUSTER_SECRET, ...): they come from Secrets Manager through jwt_secret_arn and cluster_secret_arn."
  }
}

# --- the collector (collector.tf) --------------------------------------------------------------

variable "enable_collector" {
  description = "Run the ADOT collector sidecar and export the server's spans (X-Ray) and metrics (CloudWatch); false: OTEL_*_EXPORTER=none and no connections-based scaling."
  type        = bool
  default     = true
}

variable "adot_image" {
  description = "The AWS Distro for OpenTelemetry collector image, pinned."
  type        = string
  default     = "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0"

  validation {
    condition     = can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]{1,128}|@sha256:[0-9a-f]{64})$", var.adot_image)) && !endswith(var.adot_image, ":latest")
    error_message = "adot_image: an image with a pinned tag (not latest) or digest."
  }
}

variable "adot_cpu" {
  description = "CPU units reserved for the collector inside the task."
  type        = number
  default     = 32

  validation {
    condition     = var.adot_cpu >= 0 && var.adot_cpu <= 1024 && floor(var.adot_cpu) == var.adot_cpu
    error_message = "adot_cpu: a whole number from 0 to 1024."
  }
}

variable "adot_memory_reservation" {
  description = "MiB reserved for the collector inside the task (a soft limit)."
  type        = number
  default     = 64

  validation {
    condition     = var.adot_memory_reservation >= 32 && var.adot_memory_reservation <= 2048 && floor(var.adot_memory_reservation) == var.adot_memory_reservation
    error_message = "adot_memory_reservation: a whole number of MiB from 32 to 2048."
  }
}

variable "otel_service_name" {
  description = "OTEL_SERVICE_NAME: X-Ray's segment name; also the collector's scrape job, so the `service.name` dimension of the metrics (one per environment keeps them apart)."
  type        = string
  default     = "guildhall"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,64}$", var.otel_service_name))
    error_message = "otel_service_name: 1 to 64 of A-Z a-z 0-9 _ . -."
  }
}

variable "otel_traces_sampler" {
  description = "OTEL_TRACES_SAMPLER."
  type        = string
  default     = "parentbased_traceidratio"

  validation {
    condition     = contains(["always_on", "always_off", "traceidratio", "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio"], var.otel_traces_sampler)
    error_message = "otel_traces_sampler: always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio."
  }
}

variable "otel_traces_sampler_arg" {
  description = "OTEL_TRACES_SAMPLER_ARG: the sampled ratio for the ratio samplers (0 to 1)."
  type        = number
  default     = 0.05

  validation {
    condition     = var.otel_traces_sampler_arg >= 0 && var.otel_traces_sampler_arg <= 1
    error_message = "otel_traces_sampler_arg: from 0 to 1."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the server's metrics (the collector's awsemf exporter)."
  type        = string
  default     = "Guildhall"

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace: 1 to 255 of A-Z a-z 0-9 _ . / # : -, not starting with AWS/."
  }
}

# --- logs (observability module) ---------------------------------------------------------------

variable "server_log_group_name" {
  description = "Log group of the server container."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#-]{1,512}$", var.server_log_group_name))
    error_message = "server_log_group_name: a log group name."
  }
}

variable "collector_log_group_name" {
  description = "Log group of the collector container."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#-]{1,512}$", var.collector_log_group_name))
    error_message = "collector_log_group_name: a log group name."
  }
}

variable "metrics_log_group_name" {
  description = "Log group the collector writes the metrics to as EMF (CloudWatch extracts them from it)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#-]{1,512}$", var.metrics_log_group_name))
    error_message = "metrics_log_group_name: a log group name."
  }
}

variable "notifier_log_group_name" {
  description = "Log group of the notifier container."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#-]{1,512}$", var.notifier_log_group_name))
    error_message = "notifier_log_group_name: a log group name."
  }
}

# --- autoscaling (autoscaling.tf) --------------------------------------------------------------

variable "min_count" {
  description = "Fewest server tasks autoscaling keeps."
  type        = number
  default     = 1

  validation {
    condition     = var.min_count >= 1 && var.min_count <= 100 && floor(var.min_count) == var.min_count
    error_message = "min_count: a whole number from 1 to 100."
  }
}

variable "max_count" {
  description = "Most server tasks autoscaling starts."
  type        = number
  default     = 4

  validation {
    condition     = var.max_count >= var.min_count && var.max_count <= 100 && floor(var.max_count) == var.max_count
    error_message = "max_count: a whole number from min_count to 100."
  }
}

variable "cpu_target_percent" {
  description = "Average CPU of the server tasks autoscaling aims at."
  type        = number
  default     = 60

  validation {
    condition     = var.cpu_target_percent >= 10 && var.cpu_target_percent <= 90
    error_message = "cpu_target_percent: from 10 to 90."
  }
}

variable "connections_per_task_target" {
  description = "Open WebSocket connections per server task autoscaling aims at (guildhall_connections averaged over the tasks)."
  type        = number
  default     = 5000

  validation {
    condition     = var.connections_per_task_target >= 10 && var.connections_per_task_target <= 100000
    error_message = "connections_per_task_target: from 10 to 100000."
  }
}

variable "scale_in_cooldown" {
  description = "Seconds after a scale-in before another (a scale-in drains a node and moves its clients)."
  type        = number
  default     = 600

  validation {
    condition     = var.scale_in_cooldown >= 60 && var.scale_in_cooldown <= 3600
    error_message = "scale_in_cooldown: 60 to 3600 seconds."
  }
}

variable "scale_out_cooldown" {
  description = "Seconds after a scale-out before another."
  type        = number
  default     = 60

  validation {
    condition     = var.scale_out_cooldown >= 0 && var.scale_out_cooldown <= 3600
    error_message = "scale_out_cooldown: 0 to 3600 seconds."
  }
}

# --- the notifier (notifier.tf) ----------------------------------------------------------------

variable "notifier_enabled" {
  description = "Run the push worker as its own service (needs events_queue_url and notifier_task_role_arn)."
  type        = bool
  default     = true
}

variable "notifier_desired_count" {
  description = "Push worker tasks (they share the queue; push claims keep a device from being notified twice)."
  type        = number
  default     = 1

  validation {
    condition     = var.notifier_desired_count >= 0 && var.notifier_desired_count <= 50 && floor(var.notifier_desired_count) == var.notifier_desired_count
    error_message = "notifier_desired_count: a whole number from 0 to 50."
  }
}

variable "notifier_cpu" {
  description = "The notifier task's CPU units (256, 512, 1024)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024], var.notifier_cpu)
    error_message = "notifier_cpu: 256, 512 or 1024."
  }
}

variable "notifier_memory" {
  description = "The notifier task's memory in MiB (512 with 256 CPU units; 1024 to 2048 otherwise, as Fargate allows)."
  type        = number
  default     = 512

  validation {
    condition     = contains([512, 1024, 2048, 3072, 4096, 5120, 6144, 7168, 8192], var.notifier_memory)
    error_message = "notifier_memory: a Fargate size in MiB (512, 1024, 2048, ... 8192)."
  }
}

variable "notifier_stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL for the notifier (it finishes the pushes in flight)."
  type        = number
  default     = 30

  validation {
    condition     = var.notifier_stop_timeout >= 10 && var.notifier_stop_timeout <= 120 && floor(var.notifier_stop_timeout) == var.notifier_stop_timeout
    error_message = "notifier_stop_timeout: a whole number of seconds from 10 to 120."
  }
}

variable "fcm_project_id" {
  description = "FCM_PROJECT_ID; null: FCM off (unless in notifier_environment)."
  type        = string
  default     = null
}

variable "fcm_credentials_secret_arn" {
  description = "Secrets Manager ARN of FCM's service-account key (the JSON): written at start to the file GOOGLE_APPLICATION_CREDENTIALS names; null: FCM off."
  type        = string
  default     = null

  validation {
    condition     = var.fcm_credentials_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.fcm_credentials_secret_arn))
    error_message = "fcm_credentials_secret_arn: a Secrets Manager secret ARN, or null."
  }
}

variable "vapid_public_key" {
  description = "VAPID_PUBLIC_KEY (base64url) for Web Push; null: Web Push off."
  type        = string
  default     = null
}

variable "vapid_subject" {
  description = "VAPID_SUBJECT (mailto: or https:) for Web Push."
  type        = string
  default     = null

  validation {
    condition     = var.vapid_subject == null || can(regex("^(mailto:|https://)", var.vapid_subject))
    error_message = "vapid_subject: a mailto: or https: URL, or null."
  }
}

variable "vapid_private_key_secret_arn" {
  description = "Secrets Manager ARN of VAPID_PRIVATE_KEY, given through `secrets`; null: Web Push off."
  type        = string
  default     = null

  validation {
    condition     = var.vapid_private_key_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.vapid_private_key_secret_arn))
    error_message = "vapid_private_key_secret_arn: a Secrets Manager secret ARN, or null."
  }
}

variable "notifier_environment" {
  description = "More environment of the notifier (e.g. NOTIFIER_* limits); it wins over the module's. Never a secret."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(setintersection(keys(var.notifier_environment), ["JWT_SECRET", "CLUSTER_SECRET", "VAPID_PRIVATE_KEY", "FCM_SERVICE_ACCOUNT_JSON", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])) == 0
    error_message = "notifier_environment: no secret here: VAPID_PRIVATE_KEY and FCM's key come from Secrets Manager."
  }
}

variable "tags" {
  description = "Tags for the cluster, task definitions and services (propagated to the tasks)."
  type        = map(string)
  default     = {}
}
