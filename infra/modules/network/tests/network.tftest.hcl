# The security groups: the ALB takes 443 and 80 from the allowed CIDRs and reaches only the tasks'
# public port; the tasks take the public port from the ALB only and the link port from themselves.

mock_provider "aws" {}

# Distinct ids, so a rule that names the wrong group is seen.
override_resource {
  target = aws_security_group.alb
  values = { id = "sg-0aaaaaaaaaaaaaaaa" }
}

override_resource {
  target = aws_security_group.service
  values = { id = "sg-0bbbbbbbbbbbbbbbb" }
}

variables {
  name   = "guildhall-prod"
  vpc_id = "vpc-0123456789abcdef0"
}

run "alb_takes_https_and_http_from_the_allowed_cidrs" {
  command = plan

  variables {
    alb_ingress_cidrs = ["0.0.0.0/0", "203.0.113.0/24"]
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.alb_https) == 2 && alltrue([for r in aws_vpc_security_group_ingress_rule.alb_https : r.from_port == 443 && r.to_port == 443])
    error_message = "443 from each allowed CIDR"
  }
  assert {
    condition     = alltrue([for r in aws_vpc_security_group_ingress_rule.alb_http : r.from_port == 80 && r.to_port == 80])
    error_message = "80 (the redirect) from each allowed CIDR"
  }
  assert {
    condition     = aws_vpc_security_group_egress_rule.alb_to_service.from_port == 8787 && aws_vpc_security_group_egress_rule.alb_to_service.to_port == 8787
    error_message = "the ALB reaches the tasks on the public port only"
  }
}

run "link_port_only_between_the_tasks_never_from_the_alb" {
  assert {
    condition     = aws_vpc_security_group_ingress_rule.service_link.from_port == 8788 && aws_vpc_security_group_ingress_rule.service_link.to_port == 8788
    error_message = "the link rule opens INTERNAL_PORT"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.service_link.referenced_security_group_id == "sg-0bbbbbbbbbbbbbbbb" && aws_vpc_security_group_ingress_rule.service_link.security_group_id == "sg-0bbbbbbbbbbbbbbbb"
    error_message = "the link port is open from the service's security group to itself"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.service_link.cidr_ipv4 == null
    error_message = "no CIDR on the link rule"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.service_from_alb.from_port == 8787 && aws_vpc_security_group_ingress_rule.service_from_alb.to_port == 8787
    error_message = "the ALB's rule on the tasks opens the public port only (not the link port)"
  }
  assert {
    condition     = alltrue([for r in concat(values(aws_vpc_security_group_ingress_rule.alb_https), values(aws_vpc_security_group_ingress_rule.alb_http), [aws_vpc_security_group_egress_rule.alb_to_service]) : !(r.from_port <= 8788 && r.to_port >= 8788)])
    error_message = "no ALB rule covers the link port"
  }
}

run "rejects_the_link_on_the_public_port" {
  command = plan

  variables {
    internal_port = 8787
  }

  expect_failures = [var.internal_port]
}

run "rejects_a_bad_cidr" {
  command = plan

  variables {
    alb_ingress_cidrs = ["10.0.0.0/33"]
  }

  expect_failures = [var.alb_ingress_cidrs]
}

run "rejects_a_bad_vpc_id" {
  command = plan

  variables {
    vpc_id = "my-vpc"
  }

  expect_failures = [var.vpc_id]
}
