# The ADOT collector sidecar's configuration, passed whole in AOT_CONFIG_CONTENT (no file, no SSM
# parameter). The task's containers share one network namespace: the server sends its spans as
# OTLP over HTTP to 127.0.0.1:4318, and serves its metrics in Prometheus format on
# 127.0.0.1:9464, which the collector scrapes. Spans go to X-Ray (awsxray exporter: the server's
# `aws.xray.annotations` become indexed annotations), metrics to CloudWatch as EMF logs (awsemf
# exporter), from which CloudWatch extracts the metrics the connections autoscaling policy reads.
#
# Why Prometheus for the metrics and not OTLP: the up-down counters (guildhall.connections,
# rooms.active, events.backlog) arrive over OTLP as non-monotonic cumulative sums, which awsemf
# turns into their change since the last export (open-telemetry/opentelemetry-collector-contrib#18408),
# and ADOT has no transform processor to make them gauges first. Prometheus exposes them as gauges,
# which awsemf sends as they are; its counters (`_total`) become per-period deltas, as they should.

locals {
  otlp_http_endpoint = "127.0.0.1:4318"
  prometheus_port    = 9464

  # One dimension set per metric: service.name (the scrape job, named otel_service_name), plus
  # the metric's own closed attribute when it has one (docs/operations.md "Metrics"). A set whose
  # labels a metric lacks is skipped by awsemf, so the list fits every instrument.
  emf_dimensions = [
    ["service.name"],
    ["service.name", "code"],
    ["service.name", "operation"],
    ["service.name", "direction"],
  ]

  collector_config = {
    extensions = {
      # Where the image's /healthcheck binary (the container's check) asks.
      health_check = { endpoint = "127.0.0.1:13133" }
    }
    receivers = {
      otlp = {
        protocols = {
          http = { endpoint = local.otlp_http_endpoint }
        }
      }
      prometheus = {
        config = {
          scrape_configs = [{
            job_name        = var.otel_service_name
            scrape_interval = "30s"
            static_configs  = [{ targets = ["127.0.0.1:${local.prometheus_port}"] }]
          }]
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
            metric_name_selectors = ["^guildhall_"]
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
          receivers  = ["prometheus"]
          processors = ["resourcedetection", "batch/metrics"]
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
