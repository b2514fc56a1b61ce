# The public entry: an ALB with an HTTPS listener (WebSockets are HTTP upgrades on it), HTTP
# redirected to HTTPS, and one target group of the server tasks (Fargate: targets are IPs).

resource "aws_lb" "this" {
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = var.internal
  subnets                    = var.public_subnet_ids
  security_groups            = [var.alb_security_group_id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  # A WebSocket with no traffic for this long is cut by the ALB. The server pings every 30 s and
  # closes a peer silent for 75 s (docs/protocol.md section 7): the ALB must wait longer than
  # that, or it would cut connections the server still counts as alive.
  idle_timeout = var.idle_timeout

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = var.access_logs_prefix
      enabled = true
    }
  }

  tags = var.tags
}

resource "aws_lb_target_group" "server" {
  name        = "${var.name}-server"
  vpc_id      = var.vpc_id
  target_type = "ip"
  protocol    = "HTTP"
  port        = var.container_port
  # On a scale-in or a deploy, ECS deregisters a task, waits this long, then sends SIGTERM: the
  # ALB sends no new connection to it meanwhile and cuts what is left at the end. The server's
  # own drain (hand-off, 1001 closes, last writes) runs after, within the service's stopTimeout.
  deregistration_delay = var.deregistration_delay

  # A client's reconnects land on the same task while it lives (its rooms' owner is often
  # there; any node works, docs/cluster.md), so a reconnect with `since` is one local hop.
  stickiness {
    type            = "lb_cookie"
    enabled         = true
    cookie_duration = var.stickiness_duration
  }

  # /ready, not /health: a draining node answers 503 there, so it leaves the rotation at once.
  health_check {
    enabled             = true
    protocol            = "HTTP"
    path                = "/ready"
    port                = "traffic-port"
    matcher             = "200"
    interval            = var.health_check_interval
    timeout             = var.health_check_timeout
    healthy_threshold   = var.healthy_threshold
    unhealthy_threshold = var.unhealthy_threshold
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.server.arn
  }

  tags = var.tags
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      protocol    = "HTTPS"
      port        = "443"
      status_code = "HTTP_301"
    }
  }

  tags = var.tags
}
