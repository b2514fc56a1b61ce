variable "name_prefix" {
  description = "Secret names: <prefix>/jwt-secret and <prefix>/cluster-secret (e.g. `guildhall/prod`)."
  type        = string
  default     = "guildhall"

  validation {
    condition     = can(regex("^[A-Za-z0-9/_+=.@-]{1,200}$", var.name_prefix))
    error_message = "name_prefix: 1 to 200 of A-Z a-z 0-9 / _ + = . @ - (a Secrets Manager name)."
  }
}

variable "kms_key_arn" {
  description = "The customer-managed KMS key the secrets are encrypted with (the kms module's key_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "existing_jwt_secret_arn" {
  description = "ARN of a Secrets Manager secret that already holds the JWT secret (e.g. the token issuer's): no JWT secret is created. null: this module creates one."
  type        = string
  default     = null

  validation {
    condition     = var.existing_jwt_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", var.existing_jwt_secret_arn))
    error_message = "existing_jwt_secret_arn: a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)."
  }
}

variable "existing_jwt_secret_kms_key_arn" {
  description = "The KMS key the existing JWT secret is encrypted with, when it is not kms_key_arn (the execution role must decrypt with it). null: kms_key_arn, or the AWS managed key."
  type        = string
  default     = null

  validation {
    condition     = var.existing_jwt_secret_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.existing_jwt_secret_kms_key_arn))
    error_message = "existing_jwt_secret_kms_key_arn: a KMS key ARN."
  }
}

variable "jwt_secret" {
  description = "The JWT secret's value (at least 32 bytes), when the token issuer already has one. Ephemeral: it is written write-only and kept in neither plan nor state (pass it as TF_VAR_jwt_secret). null: one is generated (64 hex digits; read it with get-secret-value to configure the issuer)."
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
  description = "Bump it to write a new JWT secret value (jwt_secret, or a newly generated one): a write-only value is written only when its version changes. Every token signed with the old value stops being accepted once the tasks restart."
  type        = number
  default     = 1

  validation {
    condition     = var.jwt_secret_version >= 1 && floor(var.jwt_secret_version) == var.jwt_secret_version
    error_message = "jwt_secret_version: a whole number, 1 or more."
  }
}

variable "cluster_secret_version" {
  description = "Bump it to generate and write a new cluster secret. Nodes with different secrets cannot talk: redeploy every task after."
  type        = number
  default     = 1

  validation {
    condition     = var.cluster_secret_version >= 1 && floor(var.cluster_secret_version) == var.cluster_secret_version
    error_message = "cluster_secret_version: a whole number, 1 or more."
  }
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored: 0 (deleted at once) or 7 to 30."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days: 0, or 7 to 30."
  }
}

variable "tags" {
  description = "Tags for the secrets."
  type        = map(string)
  default     = {}
}
