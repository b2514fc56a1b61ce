# Two security groups: the ALB's (HTTPS and the HTTP redirect from the allowed CIDRs) and the
# service's tasks' (the container port from the ALB only; the node link's INTERNAL_PORT only from
# the service's own tasks, never from the ALB: docs/cluster.md "Its own port").

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "guildhall ${var.name}: the load balancer (HTTPS, HTTP redirect)"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "service" {
  name        = "${var.name}-service"
  description = "guildhall ${var.name}: the server and notifier tasks"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.name}-service" })

  lifecycle {
    create_before_destroy = true
  }
}

# --- ALB ---------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "alb_https" {
  for_each          = toset(var.alb_ingress_cidrs)
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS and WSS from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "alb_http" {
  for_each          = toset(var.alb_ingress_cidrs)
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from ${each.value}: answered with a redirect to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = each.value
}

# The ALB reaches the tasks on the public container port only (requests and health checks).
resource "aws_vpc_security_group_egress_rule" "alb_to_service" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the tasks' public port"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.service.id
}

# --- tasks -------------------------------------------------------------------------------------

resource "aws_vpc_security_group_ingress_rule" "service_from_alb" {
  security_group_id            = aws_security_group.service.id
  description                  = "The public port, from the load balancer only"
  ip_protocol                  = "tcp"
  from_port                    = var.container_port
  to_port                      = var.container_port
  referenced_security_group_id = aws_security_group.alb.id
}

# The node link: only from this security group itself, i.e. between the service's own tasks.
resource "aws_vpc_security_group_ingress_rule" "service_link" {
  security_group_id            = aws_security_group.service.id
  description                  = "Node link (INTERNAL_PORT), between the service's own tasks only"
  ip_protocol                  = "tcp"
  from_port                    = var.internal_port
  to_port                      = var.internal_port
  referenced_security_group_id = aws_security_group.service.id
}

resource "aws_vpc_security_group_egress_rule" "service_link" {
  security_group_id            = aws_security_group.service.id
  description                  = "Node link (INTERNAL_PORT) to the service's other tasks"
  ip_protocol                  = "tcp"
  from_port                    = var.internal_port
  to_port                      = var.internal_port
  referenced_security_group_id = aws_security_group.service.id
}

# AWS APIs (DynamoDB, SQS, Secrets Manager, ECR, CloudWatch, X-Ray), FCM and Web Push services:
# all HTTPS. DNS goes to the VPC resolver, which security groups do not filter.
resource "aws_vpc_security_group_egress_rule" "service_https" {
  for_each          = toset(var.service_egress_cidrs)
  security_group_id = aws_security_group.service.id
  description       = "HTTPS to AWS APIs and push services"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value
}
