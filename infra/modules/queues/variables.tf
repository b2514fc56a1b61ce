variable "name_prefix" {
  description = "Queue names start with it: <prefix>-events, <prefix>-commands, <prefix>-events-dlq, ... (`.fifo` added for FIFO queues)."
  type        = string
  default     = "guildhall"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,60}$", var.name_prefix))
    error_message = "name_prefix: 1 to 60 of A-Z a-z 0-9 _ - (SQS names are at most 80 characters)."
  }
}

variable "events_fifo" {
  description = "true: the events queue is FIFO, so a room's events arrive in seq order (MessageGroupId = room). false: standard (SQS may reorder; consumers order by seq)."
  type        = bool
  default     = true
}

variable "commands_fifo" {
  description = "true: the commands queue is FIFO (producers must send a MessageGroupId). false: standard."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "The customer-managed KMS key the queues and their DLQs are encrypted with (the kms module's key_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_data_key_reuse_period_seconds" {
  description = "How long SQS reuses a data key before asking KMS again (60 to 86400 s): longer is fewer KMS calls."
  type        = number
  default     = 300

  validation {
    condition     = var.kms_data_key_reuse_period_seconds >= 60 && var.kms_data_key_reuse_period_seconds <= 86400
    error_message = "kms_data_key_reuse_period_seconds: 60 to 86400."
  }
}

variable "events_max_receive_count" {
  description = "Receives of one event before SQS moves it to the events DLQ (the redrive policy's maxReceiveCount)."
  type        = number
  default     = 5

  validation {
    condition     = var.events_max_receive_count >= 1 && var.events_max_receive_count <= 1000 && floor(var.events_max_receive_count) == var.events_max_receive_count
    error_message = "events_max_receive_count: a whole number from 1 to 1000."
  }
}

variable "commands_max_receive_count" {
  description = "Receives of one command before SQS moves it to the commands DLQ (a malformed command is received again every second: docs/events.md)."
  type        = number
  default     = 5

  validation {
    condition     = var.commands_max_receive_count >= 1 && var.commands_max_receive_count <= 1000 && floor(var.commands_max_receive_count) == var.commands_max_receive_count
    error_message = "commands_max_receive_count: a whole number from 1 to 1000."
  }
}

variable "visibility_timeout_seconds" {
  description = "The queues' default visibility timeout (0 to 43200 s). The consumers set their own on each receive (COMMANDS_VISIBILITY_TIMEOUT_SECONDS, NOTIFIER_VISIBILITY_TIMEOUT_SECONDS, both 60)."
  type        = number
  default     = 60

  validation {
    condition     = var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200
    error_message = "visibility_timeout_seconds: 0 to 43200."
  }
}

variable "message_retention_seconds" {
  description = "How long the events and commands queues keep a message (60 s to 14 days). The DLQs keep theirs 14 days."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds: 60 to 1209600 (14 days)."
  }
}

variable "dlq_alarm_threshold" {
  description = "A DLQ's alarm fires when it holds more than this many messages (0: any message)."
  type        = number
  default     = 0

  validation {
    condition     = var.dlq_alarm_threshold >= 0
    error_message = "dlq_alarm_threshold: 0 or more."
  }
}

variable "events_age_alarm_seconds" {
  description = "Alarm when the oldest event has waited more than this for 5 minutes (the push worker down or behind); null: no such alarm (no consumer of events)."
  type        = number
  default     = 900
  nullable    = true

  validation {
    condition     = var.events_age_alarm_seconds == null || try(var.events_age_alarm_seconds >= 60, false)
    error_message = "events_age_alarm_seconds: 60 or more, or null."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires or clears (e.g. the observability module's SNS topic)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_actions : can(regex("^arn:aws[a-z-]*:", a))])
    error_message = "alarm_actions: ARNs."
  }
}

variable "tags" {
  description = "Tags for the queues and alarms."
  type        = map(string)
  default     = {}
}
