variable "repository_name" {
  description = "The ECR repository's name."
  type        = string
  default     = "guildhall"

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.repository_name)) && length(var.repository_name) >= 2 && length(var.repository_name) <= 256
    error_message = "repository_name: 2 to 256 characters, lower case letters and digits separated by . _ - or / (an ECR repository name)."
  }
}

variable "image_tag_mutability" {
  description = "IMMUTABLE (a pushed tag can never point at another image: push each build under its own tag, e.g. the git commit) or MUTABLE."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = contains(["IMMUTABLE", "MUTABLE"], var.image_tag_mutability)
    error_message = "image_tag_mutability: IMMUTABLE or MUTABLE."
  }
}

variable "kms_key_arn" {
  description = "The customer-managed KMS key images are encrypted with (the kms module's key_arn); null: AES256 with an AWS owned key. Fixed at creation: changing it replaces the repository."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>) or null."
  }
}

variable "max_images" {
  description = "How many of the most recently pushed images are kept (1 to 1000); older ones expire. Keep enough to roll back to."
  type        = number
  default     = 50

  validation {
    condition     = var.max_images >= 1 && var.max_images <= 1000 && floor(var.max_images) == var.max_images
    error_message = "max_images: a whole number from 1 to 1000."
  }
}

variable "untagged_expire_days" {
  description = "Days after which untagged images expire (1 to 365)."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_expire_days >= 1 && var.untagged_expire_days <= 365 && floor(var.untagged_expire_days) == var.untagged_expire_days
    error_message = "untagged_expire_days: a whole number from 1 to 365."
  }
}

variable "force_delete" {
  description = "Let a destroy delete the repository with its images in it (false: it fails while images remain)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the repository."
  type        = map(string)
  default     = {}
}
