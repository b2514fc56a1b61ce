# The ALB: idle timeout above the 75 s peer timeout, HTTPS with a modern policy and the HTTP
# redirect, a sticky target group checked on /ready, the deregistration delay.

mock_provider "aws" {
  mock_resource "aws_lb" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/guildhall-prod/0123456789abcdef"
      arn_suffix = "app/guildhall-prod/0123456789abcdef"
      dns_name   = "guildhall-prod-123.eu-west-1.elb.amazonaws.com"
    }
  }
  mock_resource "aws_lb_target_group" {
    defaults = {
      arn        = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/guildhall-prod-server/0123456789abcdef"
      arn_suffix = "targetgroup/guildhall-prod-server/0123456789abcdef"
    }
  }
}

variables {
  name                  = "guildhall-prod"
  vpc_id                = "vpc-0123456789abcdef0"
  public_subnet_ids     = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  alb_security_group_id = "sg-0123456789abcdef0"
  certificate_arn       = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"
}

run "idle_timeout_above_the_peer_timeout" {
  command = plan

  assert {
    condition     = aws_lb.this.idle_timeout == 120 && aws_lb.this.idle_timeout > 75
    error_message = "the ALB waits longer than the server's 75 s peer timeout (120 s by default)"
  }
  assert {
    condition     = aws_lb.this.load_balancer_type == "application" && aws_lb.this.drop_invalid_header_fields
    error_message = "an application load balancer dropping invalid headers"
  }
}

run "https_listener_and_http_redirect" {
  command = plan

  assert {
    condition     = aws_lb_listener.https.port == 443 && aws_lb_listener.https.protocol == "HTTPS" && aws_lb_listener.https.certificate_arn == var.certificate_arn
    error_message = "HTTPS on 443 with the certificate"
  }
  assert {
    condition     = startswith(aws_lb_listener.https.ssl_policy, "ELBSecurityPolicy-TLS13-")
    error_message = "a TLS 1.3 policy by default"
  }
  assert {
    condition     = aws_lb_listener.https.default_action[0].type == "forward"
    error_message = "HTTPS forwards to the servers"
  }
  assert {
    condition     = aws_lb_listener.http_redirect.port == 80 && aws_lb_listener.http_redirect.default_action[0].type == "redirect"
    error_message = "HTTP on 80 redirects"
  }
  assert {
    condition     = aws_lb_listener.http_redirect.default_action[0].redirect[0].protocol == "HTTPS" && aws_lb_listener.http_redirect.default_action[0].redirect[0].port == "443" && aws_lb_listener.http_redirect.default_action[0].redirect[0].status_code == "HTTP_301"
    error_message = "the redirect is a 301 to HTTPS on 443"
  }
}

run "sticky_target_group_checked_on_ready" {
  command = plan

  assert {
    condition     = aws_lb_target_group.server.stickiness[0].enabled && aws_lb_target_group.server.stickiness[0].type == "lb_cookie"
    error_message = "sticky routing with the ALB's cookie"
  }
  assert {
    condition     = aws_lb_target_group.server.health_check[0].path == "/ready" && aws_lb_target_group.server.health_check[0].matcher == "200"
    error_message = "health checked on /ready (503 while draining), not /health"
  }
  assert {
    condition     = aws_lb_target_group.server.target_type == "ip" && aws_lb_target_group.server.port == 8787 && aws_lb_target_group.server.protocol == "HTTP"
    error_message = "Fargate targets by IP on the public port"
  }
  assert {
    condition     = aws_lb_target_group.server.deregistration_delay == "30"
    error_message = "deregistration delay 30 s by default"
  }
}

run "outputs" {
  assert {
    condition     = output.alb_dns_name == "guildhall-prod-123.eu-west-1.elb.amazonaws.com"
    error_message = "alb_dns_name"
  }
  assert {
    condition     = output.target_group_arn_suffix == "targetgroup/guildhall-prod-server/0123456789abcdef" && output.alb_arn_suffix == "app/guildhall-prod/0123456789abcdef"
    error_message = "the ARN suffixes the alarms use"
  }
}

run "access_logs_when_a_bucket_is_given" {
  command = plan

  variables {
    access_logs_bucket = "guildhall-alb-logs"
  }

  assert {
    condition     = aws_lb.this.access_logs[0].bucket == "guildhall-alb-logs" && aws_lb.this.access_logs[0].enabled
    error_message = "access logs to the bucket"
  }
}

run "rejects_an_idle_timeout_at_or_below_the_peer_timeout" {
  command = plan

  variables {
    idle_timeout = 75
  }

  expect_failures = [var.idle_timeout]
}

run "rejects_a_non_acm_certificate" {
  command = plan

  variables {
    certificate_arn = "arn:aws:iam::123456789012:server-certificate/x"
  }

  expect_failures = [var.certificate_arn]
}

run "rejects_one_subnet" {
  command = plan

  variables {
    public_subnet_ids = ["subnet-0123456789abcdef0"]
  }

  expect_failures = [var.public_subnet_ids]
}

run "rejects_an_old_tls_policy" {
  command = plan

  variables {
    ssl_policy = "ELBSecurityPolicy-2016-08"
  }

  expect_failures = [var.ssl_policy]
}
