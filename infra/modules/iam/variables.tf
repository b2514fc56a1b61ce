variable "name" {
  description = "Role names start with it: <name>-execution, <name>-server, <name>-notifier (e.g. `guildhall-prod`)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,40}$", var.name))
    error_message = "name: 1 to 40 of A-Z a-z 0-9 + = , . @ _ - (IAM role names are at most 64 characters)."
  }
}

variable "core_table_arn" {
  description = "ARN of the core table (gg_core; the tables module's core_table_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$", var.core_table_arn))
    error_message = "core_table_arn: a DynamoDB table ARN (arn:aws:dynamodb:<region>:<account>:table/<name>)."
  }
}

variable "guild_table_arn" {
  description = "ARN of the guild table (gg_guild; the tables module's guild_table_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}$", var.guild_table_arn))
    error_message = "guild_table_arn: a DynamoDB table ARN (arn:aws:dynamodb:<region>:<account>:table/<name>)."
  }
}

variable "guild_inverted_index_arn" {
  description = "ARN of the guild table's `inverted` index (the tables module's guild_inverted_index_arn): the servers Query it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:[0-9]{12}:table/[A-Za-z0-9_.-]{3,255}/index/inverted$", var.guild_inverted_index_arn))
    error_message = "guild_inverted_index_arn: <guild table ARN>/index/inverted."
  }
}

variable "events_queue_arn" {
  description = "ARN of the events queue (the queues module's events_queue_arn): the servers send to it, the push worker receives from it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,75}(\\.fifo)?$", var.events_queue_arn))
    error_message = "events_queue_arn: an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)."
  }
}

variable "commands_queue_arn" {
  description = "ARN of the commands queue (the queues module's commands_queue_arn): the servers receive from it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,75}(\\.fifo)?$", var.commands_queue_arn))
    error_message = "commands_queue_arn: an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>)."
  }
}

variable "kms_key_arn" {
  description = "The customer-managed key of the tables, queues and secrets (the kms module's key_arn): the roles use it only through DynamoDB, SQS and Secrets Manager (kms:ViaService)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "secret_arns" {
  description = "Secrets Manager ARNs the task definitions pass in `secrets` (the JWT secret, the cluster secret): only the execution role reads them, at task start."
  type        = list(string)

  validation {
    condition     = length(var.secret_arns) > 0 && alltrue([for a in var.secret_arns : can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+$", a))])
    error_message = "secret_arns: one or more Secrets Manager secret ARNs (arn:aws:secretsmanager:<region>:<account>:secret:<name>)."
  }
}

variable "secrets_kms_key_arns" {
  description = "Keys the secrets are encrypted with, when not kms_key_arn (an existing JWT secret under another key); the execution role may decrypt with them through Secrets Manager only."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.secrets_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", a))])
    error_message = "secrets_kms_key_arns: KMS key ARNs."
  }
}

variable "ecr_repository_arns" {
  description = "ECR repositories the tasks' image is pulled from (the ecr module's repository_arn; another one when existing_image_uri names it)."
  type        = list(string)

  validation {
    condition     = length(var.ecr_repository_arns) > 0 && alltrue([for a in var.ecr_repository_arns : can(regex("^arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9._/-]+$", a))])
    error_message = "ecr_repository_arns: one or more ECR repository ARNs (arn:aws:ecr:<region>:<account>:repository/<name>)."
  }
}

variable "log_group_arns" {
  description = "The containers' log groups (awslogs driver: server, collector, notifier): the execution role writes their streams."
  type        = list(string)

  validation {
    condition     = length(var.log_group_arns) > 0 && alltrue([for a in var.log_group_arns : can(regex("^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9_/.#-]+$", a))])
    error_message = "log_group_arns: CloudWatch log group ARNs without the trailing :* (arn:aws:logs:<region>:<account>:log-group:<name>)."
  }
}

variable "metrics_log_group_arn" {
  description = "The log group the ADOT collector's awsemf exporter writes metrics to (CloudWatch embedded metric format); the server's task role writes its streams. Without the trailing :*."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9_/.#-]+$", var.metrics_log_group_arn))
    error_message = "metrics_log_group_arn: a CloudWatch log group ARN without the trailing :*."
  }
}

variable "tags" {
  description = "Tags added to every role."
  type        = map(string)
  default     = {}
}
