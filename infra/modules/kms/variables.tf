variable "name" {
  description = "The key's alias, without `alias/` (e.g. `guildhall-prod`)."
  type        = string
  default     = "guildhall"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_-]{1,250}$", var.name)) && !startswith(var.name, "aws/")
    error_message = "name: 1 to 250 of A-Z a-z 0-9 / _ -, not starting with aws/ (AWS reserves it)."
  }
}

variable "deletion_window_in_days" {
  description = "Days a scheduled deletion of the key waits (7 to 30): everything encrypted with it becomes unreadable once it is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30 && floor(var.deletion_window_in_days) == var.deletion_window_in_days
    error_message = "deletion_window_in_days: a whole number from 7 to 30."
  }
}

variable "rotation_period_in_days" {
  description = "Days between automatic rotations of the key material (90 to 2560); rotation is always on."
  type        = number
  default     = 365

  validation {
    condition     = var.rotation_period_in_days >= 90 && var.rotation_period_in_days <= 2560 && floor(var.rotation_period_in_days) == var.rotation_period_in_days
    error_message = "rotation_period_in_days: a whole number from 90 to 2560."
  }
}

variable "log_group_name_prefix" {
  description = "CloudWatch Logs may use the key only for log groups whose name starts with this (e.g. `/guildhall/prod/`); empty: every log group of the account in the region."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9_./#-]{0,500}$", var.log_group_name_prefix))
    error_message = "log_group_name_prefix: at most 500 of A-Z a-z 0-9 _ . / # - (the characters of a log group name)."
  }
}

variable "allow_cloudwatch_alarms" {
  description = "Let CloudWatch alarms use the key, so they can publish to an SNS topic encrypted with it."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the key."
  type        = map(string)
  default     = {}
}
