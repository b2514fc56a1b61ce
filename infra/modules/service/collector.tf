# The ADOT collector sidecar's configuration, passed whole in AOT_CONFIG_CONTENT (no file, no SSM
# parameter): the server sends OTLP over HTTP to it on 127.0.0.1:4318 (the task's containers share
# one network namespace); spans go to X-Ray (awsxray exporter: the server's `aws.xray.annotations`
# become indexed annotations), metrics to CloudWatch as EMF logs (awsemf exporter), from which
# CloudWatch extracts the metrics the alarms and the connections autoscaling policy read.

locals {
  otlp_http_endpoint = "127.0.0.1:4318"

  # One dimension set per metric: service.name (OTEL_SERVICE_NAME), plus the metric's own closed
  # attribute when it has one (docs/operations.md "Metrics"). A set whose labels a metric lacks is
  # skipped by awsemf, so the list fits every instrument.
  gauge_metrics = ["guildhall.connections", "guildhall.rooms.active", "guildhall.events.backlog"]

  emf_dimensions = [
    ["service.name"],
    ["service.name", "code"],
    ["service.name", "operation"],
    ["service.name", "direction"],
  ]

  collector_config = {
    extensions = {
      health_check = {}
    }
    receivers = {
      otlp = {
        protocols = {
          http = { endpoint = local.otlp_http_endpoint }
        }
      }
    }
    processors = {
      # Adds the task's ECS attributes (cluster, task ARN, ...) to spans and metrics.
      resourcedetection = {
        detectors = ["env", "ecs"]
        timeout   = "2s"
        override  = false
      }
      # The up-down counters (docs/operations.md "Metrics") are current values: awsemf would turn a
      # cumulative sum into its change since the last export (open-telemetry/opentelemetry-collector-contrib#18408),
      # so they are gauges before it. Averaged over the tasks, guildhall.connections is the
      # connections per task the autoscaling policy tracks.
      transform = {
        metric_statements = [
          {
            context    = "metric"
            statements = [for m in local.gauge_metrics : "convert_sum_to_gauge() where name == \"${m}\""]
          },
        ]
      }
      "batch/traces" = {
        timeout         = "1s"
        send_batch_size = 50
      }
      "batch/metrics" = {
        timeout = "10s"
      }
    }
    exporters = {
      awsxray = {
        region = var.aws_region
      }
      awsemf = {
        region                           = var.aws_region
        namespace                        = var.metrics_namespace
        log_group_name                   = var.metrics_log_group_name
        log_stream_name                  = "{TaskId}"
        dimension_rollup_option          = "NoDimensionRollup"
        resource_to_telemetry_conversion = { enabled = true }
        metric_declarations = [
          {
            dimensions            = local.emf_dimensions
            metric_name_selectors = ["^guildhall\\."]
          },
        ]
      }
    }
    service = {
      extensions = ["health_check"]
      pipelines = {
        traces = {
          receivers  = ["otlp"]
          processors = ["resourcedetection", "batch/traces"]
          exporters  = ["awsxray"]
        }
        metrics = {
          receivers  = ["otlp"]
          processors = ["resourcedetection", "transform", "batch/metrics"]
          exporters  = ["awsemf"]
        }
      }
    }
  }

  collector_container = {
    name              = "adot-collector"
    image             = var.adot_image
    essential         = false # a collector that dies never stops chat (docs/operations.md "Tracing")
    cpu               = var.adot_cpu
    memoryReservation = var.adot_memory_reservation
    environment = [
      { name = "AOT_CONFIG_CONTENT", value = yamlencode(local.collector_config) },
    ]
    # The image's own probe of the health_check extension.
    healthCheck = {
      command     = ["CMD", "/healthcheck"]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.collector_log_group_name
        awslogs-region        = var.aws_region
        awslogs-stream-prefix = "adot"
      }
    }
    # Stopped after the server (which depends on it): the drain's last spans and metrics still
    # find it.
    stopTimeout = 10
  }
}
