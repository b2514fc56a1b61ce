variable "name" {
  description = "Prefix of the security groups' names (e.g. `guildhall-prod`)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9-]{1,40}$", var.name))
    error_message = "name: 1 to 40 of A-Z a-z 0-9 -."
  }
}

variable "vpc_id" {
  description = "The VPC the load balancer and the tasks run in."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id: a VPC id (vpc-0123abcd...)."
  }
}

variable "alb_ingress_cidrs" {
  description = "IPv4 CIDRs allowed to reach the load balancer on 443 (and 80, redirected)."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.alb_ingress_cidrs) > 0 && alltrue([for c in var.alb_ingress_cidrs : can(cidrnetmask(c))])
    error_message = "alb_ingress_cidrs: at least one IPv4 CIDR (e.g. 0.0.0.0/0, 203.0.113.0/24)."
  }
}

variable "service_egress_cidrs" {
  description = "IPv4 CIDRs the tasks may reach on 443 (AWS APIs through NAT or VPC endpoints, FCM, Web Push); the default allows all of them."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = length(var.service_egress_cidrs) > 0 && alltrue([for c in var.service_egress_cidrs : can(cidrnetmask(c))])
    error_message = "service_egress_cidrs: at least one IPv4 CIDR."
  }
}

variable "container_port" {
  description = "The server's public port (PORT): the load balancer's target port."
  type        = number
  default     = 8787

  validation {
    condition     = var.container_port >= 1024 && var.container_port <= 65535 && floor(var.container_port) == var.container_port
    error_message = "container_port: a whole number from 1024 to 65535 (the image runs as a non-root user)."
  }
}

variable "internal_port" {
  description = "The node link's port (INTERNAL_PORT): open only between the service's own tasks."
  type        = number
  default     = 8788

  validation {
    condition     = var.internal_port >= 1024 && var.internal_port <= 65535 && floor(var.internal_port) == var.internal_port && var.internal_port != var.container_port
    error_message = "internal_port: a whole number from 1024 to 65535, not container_port (the server refuses INTERNAL_PORT = PORT: the public port never serves the link)."
  }
}

variable "tags" {
  description = "Tags for the security groups."
  type        = map(string)
  default     = {}
}
