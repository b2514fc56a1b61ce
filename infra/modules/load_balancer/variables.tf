variable "name" {
  description = "The load balancer's name; the target group is `<name>-server` (e.g. `guildhall-prod`)."
  type        = string

  validation {
    # ALB and target group names: at most 32 characters, alphanumerics and hyphens.
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,24}$", var.name)) && !endswith(var.name, "-")
    error_message = "name: 1 to 25 of A-Z a-z 0-9 -, not starting or ending with - (the target group adds -server, 32 at most)."
  }
}

variable "vpc_id" {
  description = "The VPC of the target group."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id: a VPC id (vpc-0123abcd...)."
  }
}

variable "public_subnet_ids" {
  description = "Subnets of the load balancer (public ones for an internet-facing ALB), in at least two availability zones."
  type        = list(string)

  validation {
    condition     = length(var.public_subnet_ids) >= 2 && alltrue([for s in var.public_subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "public_subnet_ids: at least two subnet ids (subnet-...), an ALB needs two availability zones."
  }
}

variable "alb_security_group_id" {
  description = "The load balancer's security group (network module's `alb_security_group_id`)."
  type        = string

  validation {
    condition     = can(regex("^sg-[0-9a-f]{8,17}$", var.alb_security_group_id))
    error_message = "alb_security_group_id: a security group id (sg-...)."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (the name clients connect to)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.certificate_arn))
    error_message = "certificate_arn: an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "ssl_policy" {
  description = "The HTTPS listener's TLS policy: TLS 1.3 with 1.2, forward secrecy only, by default."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-TLS13-") || startswith(var.ssl_policy, "ELBSecurityPolicy-FS-1-2-")
    error_message = "ssl_policy: a TLS 1.3 (ELBSecurityPolicy-TLS13-*) or forward-secrecy TLS 1.2 (ELBSecurityPolicy-FS-1-2-*) policy."
  }
}

variable "internal" {
  description = "true: an internal load balancer (clients inside the VPC only)."
  type        = bool
  default     = false
}

variable "idle_timeout" {
  description = "Seconds the ALB keeps a silent connection; above the server's 75 s peer timeout (pings every 30 s)."
  type        = number
  default     = 120

  validation {
    condition     = var.idle_timeout > 75 && var.idle_timeout <= 4000 && floor(var.idle_timeout) == var.idle_timeout
    error_message = "idle_timeout: a whole number of seconds above 75 (the server's peer timeout) and at most 4000."
  }
}

variable "container_port" {
  description = "The server's public port (PORT), the targets' port."
  type        = number
  default     = 8787

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535 && floor(var.container_port) == var.container_port
    error_message = "container_port: a whole number from 1024 to 65535."
  }
}

variable "deregistration_delay" {
  description = "Seconds a deregistered task keeps its connections before ECS sends it SIGTERM (the service's stop_timeout then bounds the drain itself)."
  type        = number
  default     = 30

  validation {
    condition     = var.deregistration_delay >= 5 && var.deregistration_delay <= 300 && floor(var.deregistration_delay) == var.deregistration_delay
    error_message = "deregistration_delay: a whole number of seconds from 5 to 300."
  }
}

variable "stickiness_duration" {
  description = "Seconds the ALB's stickiness cookie sends a client back to the same task."
  type        = number
  default     = 86400

  validation {
    condition     = var.stickiness_duration >= 1 && var.stickiness_duration <= 604800 && floor(var.stickiness_duration) == var.stickiness_duration
    error_message = "stickiness_duration: a whole number of seconds from 1 to 604800 (7 days)."
  }
}

variable "health_check_interval" {
  description = "Seconds between health checks of /ready."
  type        = number
  default     = 10

  validation {
    condition     = var.health_check_interval >= 5 && var.health_check_interval <= 300 && floor(var.health_check_interval) == var.health_check_interval
    error_message = "health_check_interval: a whole number of seconds from 5 to 300."
  }
}

variable "health_check_timeout" {
  description = "Seconds one health check may take; less than the interval."
  type        = number
  default     = 5

  validation {
    condition     = var.health_check_timeout >= 2 && var.health_check_timeout <= 120 && var.health_check_timeout < var.health_check_interval
    error_message = "health_check_timeout: 2 to 120 seconds, less than health_check_interval."
  }
}

variable "healthy_threshold" {
  description = "Consecutive successes before a task gets traffic."
  type        = number
  default     = 2

  validation {
    condition     = var.healthy_threshold >= 2 && var.healthy_threshold <= 10 && floor(var.healthy_threshold) == var.healthy_threshold
    error_message = "healthy_threshold: a whole number from 2 to 10."
  }
}

variable "unhealthy_threshold" {
  description = "Consecutive failures before a task leaves the rotation (a draining node fails /ready at once)."
  type        = number
  default     = 2

  validation {
    condition     = var.unhealthy_threshold >= 2 && var.unhealthy_threshold <= 10 && floor(var.unhealthy_threshold) == var.unhealthy_threshold
    error_message = "unhealthy_threshold: a whole number from 2 to 10."
  }
}

variable "deletion_protection" {
  description = "Refuse to delete the load balancer until this is turned off (production: true)."
  type        = bool
  default     = true
}

variable "access_logs_bucket" {
  description = "S3 bucket for the ALB's access logs (its policy must let the region's ELB account write); null: no access logs."
  type        = string
  default     = null

  validation {
    condition     = var.access_logs_bucket == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_logs_bucket))
    error_message = "access_logs_bucket: an S3 bucket name, or null."
  }
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs in the bucket."
  type        = string
  default     = "guildhall"

  validation {
    condition     = !startswith(var.access_logs_prefix, "/") && !endswith(var.access_logs_prefix, "/") && !strcontains(lower(var.access_logs_prefix), "awslogs")
    error_message = "access_logs_prefix: no leading or trailing / and no AWSLogs (the ALB adds it)."
  }
}

variable "tags" {
  description = "Tags for the load balancer, target group and listeners."
  type        = map(string)
  default     = {}
}
