variable "create_tables" {
  description = "true: create gg_core and gg_guild here. false: use existing tables of these names (made by another stack), read with data sources and checked for the key schema and the inverted index."
  type        = bool
  default     = true
}

variable "core_table_name" {
  description = "The core table (the server's CORE_TABLE): general rooms, conversations, users' room indexes, devices, cluster leases."
  type        = string
  default     = "gg_core"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.core_table_name))
    error_message = "core_table_name: 3 to 255 of A-Z a-z 0-9 _ . - (a DynamoDB table name)."
  }
}

variable "guild_table_name" {
  description = "The guild table (the server's GUILD_TABLE): guild rooms and guild memberships."
  type        = string
  default     = "gg_guild"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.guild_table_name))
    error_message = "guild_table_name: 3 to 255 of A-Z a-z 0-9 _ . - (a DynamoDB table name)."
  }
}

variable "kms_key_arn" {
  description = "The customer-managed KMS key the created tables are encrypted with (the kms module's key_arn). Required when create_tables is true."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "point_in_time_recovery" {
  description = "Point-in-time recovery on the created tables (continuous backups)."
  type        = bool
  default     = true
}

variable "point_in_time_recovery_days" {
  description = "How far back point-in-time recovery reaches, in days (1 to 35)."
  type        = number
  default     = 35

  validation {
    condition     = var.point_in_time_recovery_days >= 1 && var.point_in_time_recovery_days <= 35 && floor(var.point_in_time_recovery_days) == var.point_in_time_recovery_days
    error_message = "point_in_time_recovery_days: a whole number from 1 to 35."
  }
}

variable "deletion_protection" {
  description = "Deletion protection on the created tables: a destroy (or a replacement) fails until it is turned off."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the created tables."
  type        = map(string)
  default     = {}
}
