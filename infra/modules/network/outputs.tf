output "alb_security_group_id" {
  description = "The load balancer's security group: pass it to the load_balancer module."
  value       = aws_security_group.alb.id
}

output "service_security_group_id" {
  description = "The tasks' security group (server and notifier): pass it to the service module."
  value       = aws_security_group.service.id
}

output "container_port" {
  description = "The public port the rules open from the load balancer."
  value       = var.container_port
}

output "internal_port" {
  description = "The node link's port the rules open between the tasks."
  value       = var.internal_port
}
