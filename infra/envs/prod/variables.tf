# The GoalsGuild messaging service's variables (environment, aws_region, vpc_id, vpc_cidr, the subnets,
# jwt_secret, existing_image_uri, task_cpu, task_memory, desired_count) and what guildhall adds.
# infra/envs/dev and infra/envs/prod differ only in defaults.

variable "environment" {
  description = "Environment name: names (guildhall-<environment>), log groups (/guildhall/<environment>/), tags."
  type        = string
  default     = "prod"

  validation {
    condition     = contains(["dev", "staging", "prod"], var.environment)
    error_message = "environment: dev, staging or prod."
  }
}

variable "aws_region" {
  description = "AWS region everything is created in (e.g. eu-west-1)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.aws_region))
    error_message = "aws_region: a region name such as eu-west-1."
  }
}

variable "vpc_id" {
  description = "The VPC the load balancer and the tasks run in."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id: vpc- followed by 8 or 17 hex digits."
  }
}

variable "vpc_cidr" {
  description = "The VPC's CIDR block: who may reach an internal load balancer (internal_alb) when alb_ingress_cidrs is not set."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && can(regex("^[0-9.]+/[0-9]+$", var.vpc_cidr))
    error_message = "vpc_cidr: an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "public_subnet_ids" {
  description = "Subnets of the load balancer (two availability zones at least; public unless internal_alb)."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2 && alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "public_subnet_ids: two or more subnet ids (subnet-...)."
  }
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks (no public IP: they reach AWS and the push services through a NAT gateway or VPC endpoints)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 1 && alltrue([for s in var.private_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "private_subnet_ids: one or more subnet ids (subnet-...)."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (for domain_name, or the name clients use)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[0-9a-f-]+$", var.certificate_arn))
    error_message = "certificate_arn: an ACM certificate ARN."
  }
}

variable "domain_name" {
  description = "The name clients connect to (a DNS alias of the load balancer, covered by the certificate); null: the load balancer's own DNS name in the URL outputs."
  type        = string
  default     = null

  validation {
    condition     = var.domain_name == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name: a lower-case DNS name such as chat.example.com, or null."
  }
}

variable "jwt_secret" {
  description = "The JWT secret's value (at least 32 characters), when the token issuer already has one: written write-only, in neither plan nor state (pass TF_VAR_jwt_secret). null: one is generated (read it with get-secret-value)."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.jwt_secret == null || try(length(var.jwt_secret) >= 32, false)
    error_message = "jwt_secret: at least 32 characters (the server refuses a shorter JWT_SECRET)."
  }
}

variable "jwt_secret_version" {
  description = "Bump it (with a new jwt_secret) to write a new value."
  type        = number
  default     = 1

  validation {
    condition     = var.jwt_secret_version >= 1 && floor(var.jwt_secret_version) == var.jwt_secret_version
    error_message = "jwt_secret_version: a whole number from 1."
  }
}

variable "existing_jwt_secret_arn" {
  description = "A Secrets Manager secret that already holds the JWT secret (the token issuer's): none is created. null: one is created."
  type        = string
  default     = null

  validation {
    condition     = var.existing_jwt_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$", var.existing_jwt_secret_arn))
    error_message = "existing_jwt_secret_arn: a Secrets Manager secret ARN, or null."
  }
}

variable "existing_jwt_secret_kms_key_arn" {
  description = "The key existing_jwt_secret_arn is encrypted with, when it is a customer-managed key (the execution role decrypts with it); null: the AWS-managed key."
  type        = string
  default     = null

  validation {
    condition     = var.existing_jwt_secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.existing_jwt_secret_kms_key_arn))
    error_message = "existing_jwt_secret_kms_key_arn: a KMS key ARN, or null."
  }
}

variable "jwt_issuer" {
  description = "JWT_ISSUER: tokens must carry this iss (null: not checked)."
  type        = string
  default     = null
}

variable "jwt_audience" {
  description = "JWT_AUDIENCE: tokens must carry this aud (null: not checked)."
  type        = string
  default     = null
}

variable "existing_image_uri" {
  description = "The image to run (<registry>/<repository>:<tag> or @sha256:<digest>), e.g. what the deploy script pushed; null: <this environment's ECR repository>:<image_tag>."
  type        = string
  default     = null

  validation {
    condition     = var.existing_image_uri == null || can(regex("^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9._-]{1,128}|@sha256:[0-9a-f]{64})$", var.existing_image_uri))
    error_message = "existing_image_uri: <registry>/<repository>:<tag> or <registry>/<repository>@sha256:<digest>, or null."
  }
}

variable "image_tag" {
  description = "Tag in this environment's ECR repository to run when existing_image_uri is null (tags are immutable: one per build, e.g. the git commit)."
  type        = string
  default     = "latest"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,128}$", var.image_tag))
    error_message = "image_tag: 1 to 128 of A-Z a-z 0-9 . _ -."
  }
}

variable "task_cpu" {
  description = "CPU units of a server task (256 = 1/4 vCPU; Fargate's sizes)."
  type        = number
  default     = 256

  validation {
    condition     = contains([256, 512, 1024, 2048, 4096], var.task_cpu)
    error_message = "task_cpu: 256, 512, 1024, 2048 or 4096."
  }
}

variable "task_memory" {
  description = "Memory (MiB) of a server task; Fargate allows 512-2048 with 256 CPU, 1024-4096 with 512, and so on."
  type        = number
  default     = 512

  validation {
    condition     = var.task_memory >= 512 && var.task_memory <= 30720 && var.task_memory % 512 == 0
    error_message = "task_memory: a multiple of 512 from 512 to 30720 (the service module checks the pairing with task_cpu)."
  }
}

variable "desired_count" {
  description = "Server tasks at creation; autoscaling moves it between min_count and max_count afterwards."
  type        = number
  default     = 1

  validation {
    condition     = var.desired_count >= 0 && var.desired_count <= 100 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count: a whole number from 0 to 100."
  }
}

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
    condition     = var.max_count >= 1 && var.max_count <= 100 && floor(var.max_count) == var.max_count
    error_message = "max_count: a whole number from 1 to 100 (and at least min_count: the service module checks)."
  }
}

variable "create_tables" {
  description = "true: create gg_core and gg_guild here; false: use existing tables of those names (the database stack deployed first)."
  type        = bool
  default     = true
}

variable "core_table_name" {
  description = "CORE_TABLE."
  type        = string
  default     = "gg_core"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.core_table_name))
    error_message = "core_table_name: 3 to 255 of A-Z a-z 0-9 _ . -."
  }
}

variable "guild_table_name" {
  description = "GUILD_TABLE."
  type        = string
  default     = "gg_guild"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.guild_table_name))
    error_message = "guild_table_name: 3 to 255 of A-Z a-z 0-9 _ . -."
  }
}

variable "deletion_protection" {
  description = "Deletion protection of the tables and the load balancer; false also lets destroy delete a non-empty image repository."
  type        = bool
  default     = true
}

variable "secret_recovery_window_in_days" {
  description = "Days a deleted secret can be restored: 0 (at once) or 7 to 30."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_in_days == 0 || (var.secret_recovery_window_in_days >= 7 && var.secret_recovery_window_in_days <= 30)
    error_message = "secret_recovery_window_in_days: 0, or 7 to 30."
  }
}

variable "internal_alb" {
  description = "true: the load balancer is internal (reached from the VPC only)."
  type        = bool
  default     = false
}

variable "alb_ingress_cidrs" {
  description = "Who may reach the load balancer on 443/80; null: everyone (0.0.0.0/0), or vpc_cidr when internal_alb."
  type        = list(string)
  default     = null

  validation {
    condition     = var.alb_ingress_cidrs == null || alltrue([for c in coalesce(var.alb_ingress_cidrs, []) : can(cidrhost(c, 0))])
    error_message = "alb_ingress_cidrs: IPv4 CIDR blocks, or null."
  }
}

variable "log_retention_days" {
  description = "Days the log groups keep their events (one of CloudWatch's values)."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days: one of CloudWatch Logs' retention values (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "alarm_emails" {
  description = "Addresses subscribed to the alarm topic (each confirms by mail)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails: e-mail addresses."
  }
}

variable "notifier_enabled" {
  description = "Run the push worker (npm run notifier) as its own service."
  type        = bool
  default     = true
}

variable "fcm_project_id" {
  description = "FCM_PROJECT_ID (Android push); null: FCM off."
  type        = string
  default     = null
}

variable "fcm_credentials_secret_arn" {
  description = "Secrets Manager secret holding FCM's service-account key JSON; null: FCM off."
  type        = string
  default     = null

  validation {
    condition     = var.fcm_credentials_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$", var.fcm_credentials_secret_arn))
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
}

variable "vapid_private_key_secret_arn" {
  description = "Secrets Manager secret holding the VAPID private key; null: Web Push off."
  type        = string
  default     = null

  validation {
    condition     = var.vapid_private_key_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$", var.vapid_private_key_secret_arn))
    error_message = "vapid_private_key_secret_arn: a Secrets Manager secret ARN, or null."
  }
}

variable "tags" {
  description = "Tags added to every resource (besides Project, Environment, ManagedBy)."
  type        = map(string)
  default     = {}
}
