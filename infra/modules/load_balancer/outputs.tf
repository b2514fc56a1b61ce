output "alb_arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "alb_arn_suffix" {
  description = "The load balancer's ARN suffix: the `LoadBalancer` dimension of its CloudWatch metrics (observability module)."
  value       = aws_lb.this.arn_suffix
}

output "alb_dns_name" {
  description = "The load balancer's DNS name (point the certificate's name at it)."
  value       = aws_lb.this.dns_name
}

output "alb_zone_id" {
  description = "The load balancer's hosted zone id, for a Route 53 alias record."
  value       = aws_lb.this.zone_id
}

output "target_group_arn" {
  description = "The server tasks' target group: pass it to the service module."
  value       = aws_lb_target_group.server.arn
}

output "target_group_arn_suffix" {
  description = "The target group's ARN suffix: the `TargetGroup` dimension of its CloudWatch metrics."
  value       = aws_lb_target_group.server.arn_suffix
}

output "https_listener_arn" {
  description = "ARN of the HTTPS listener."
  value       = aws_lb_listener.https.arn
}

output "deregistration_delay" {
  description = "Seconds a deregistered task keeps its connections before SIGTERM."
  value       = var.deregistration_delay
}

output "idle_timeout" {
  description = "Seconds the ALB keeps a silent connection."
  value       = var.idle_timeout
}
