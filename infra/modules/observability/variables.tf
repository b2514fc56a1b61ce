variable "name" {
  description = "Prefix of the alarms' and the topic's names (e.g. `guildhall-prod`)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name))
    error_message = "name: 1 to 200 of A-Z a-z 0-9 _ -."
  }
}

variable "log_group_prefix" {
  description = "Prefix of the log groups (`<prefix>server`, `adot`, `metrics`, `notifier`); the kms module's `log_group_name_prefix` must cover it."
  type        = string
  default     = "/guildhall/"

  validation {
    condition     = can(regex("^/[A-Za-z0-9_./#-]{0,400}/$", var.log_group_prefix))
    error_message = "log_group_prefix: starts and ends with / (e.g. /guildhall/prod/), log group name characters only."
  }
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the logs (one of the values CloudWatch accepts)."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "kms_key_arn" {
  description = "The kms module's key: encrypts the log groups and the alarm topic. null: CloudWatch's and SNS's default encryption."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), or null."
  }
}

variable "alarm_topic_arn" {
  description = "An existing SNS topic for the alarms; null: the module creates `<name>-alarms`."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", var.alarm_topic_arn))
    error_message = "alarm_topic_arn: an SNS topic ARN, or null."
  }
}

variable "alarm_emails" {
  description = "Addresses subscribed to the created topic (each confirms by mail)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.alarm_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alarm_emails: e-mail addresses."
  }
}

variable "alb_arn_suffix" {
  description = "The load_balancer module's `alb_arn_suffix`."
  type        = string

  validation {
    condition     = can(regex("^app/[A-Za-z0-9-]+/[0-9a-f]+$", var.alb_arn_suffix))
    error_message = "alb_arn_suffix: app/<name>/<id>."
  }
}

variable "target_group_arn_suffix" {
  description = "The load_balancer module's `target_group_arn_suffix`."
  type        = string

  validation {
    condition     = can(regex("^targetgroup/[A-Za-z0-9-]+/[0-9a-f]+$", var.target_group_arn_suffix))
    error_message = "target_group_arn_suffix: targetgroup/<name>/<id>."
  }
}

variable "cluster_name" {
  description = "The service module's `cluster_name`."
  type        = string

  validation {
    condition     = length(var.cluster_name) > 0
    error_message = "cluster_name: not empty."
  }
}

variable "service_name" {
  description = "The service module's `service_name` (the server)."
  type        = string

  validation {
    condition     = length(var.service_name) > 0
    error_message = "service_name: not empty."
  }
}

variable "notifier_service_name" {
  description = "The service module's `notifier_service_name`; null: no notifier alarms."
  type        = string
  default     = null
}

variable "table_names" {
  description = "The DynamoDB tables watched for throttling (the tables module's names)."
  type        = list(string)
  default     = ["gg_core", "gg_guild"]

  validation {
    condition     = alltrue([for t in var.table_names : can(regex("^[A-Za-z0-9_.-]{3,255}$", t))])
    error_message = "table_names: DynamoDB table names."
  }
}

variable "alb_5xx_threshold" {
  description = "5xx answers (load balancer plus servers) in 5 minutes above which the alarm fires."
  type        = number
  default     = 10

  validation {
    condition     = var.alb_5xx_threshold >= 0 && floor(var.alb_5xx_threshold) == var.alb_5xx_threshold
    error_message = "alb_5xx_threshold: a whole number, 0 or more."
  }
}

variable "dynamodb_throttle_threshold" {
  description = "Throttled reads and writes of a table in 5 minutes above which the alarm fires."
  type        = number
  default     = 0

  validation {
    condition     = var.dynamodb_throttle_threshold >= 0 && floor(var.dynamodb_throttle_threshold) == var.dynamodb_throttle_threshold
    error_message = "dynamodb_throttle_threshold: a whole number, 0 or more."
  }
}

variable "cpu_alarm_percent" {
  description = "Average CPU of a service above which, for 5 minutes, the alarm fires (above the autoscaling target)."
  type        = number
  default     = 85

  validation {
    condition     = var.cpu_alarm_percent > 0 && var.cpu_alarm_percent <= 100
    error_message = "cpu_alarm_percent: above 0, at most 100."
  }
}

variable "memory_alarm_percent" {
  description = "Average memory of a service above which, for 5 minutes, the alarm fires."
  type        = number
  default     = 85

  validation {
    condition     = var.memory_alarm_percent > 0 && var.memory_alarm_percent <= 100
    error_message = "memory_alarm_percent: above 0, at most 100."
  }
}

variable "tags" {
  description = "Tags for the log groups, topic and alarms."
  type        = map(string)
  default     = {}
}
