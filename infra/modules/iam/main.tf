# Three roles: the execution role (ECS itself: pull the image, write the container logs, read the two
# secrets at task start), the server's task role and the push worker's task role. The task roles grant
# exactly the AWS calls the code sends (test/infra/iam-drift.test.ts reads them from the code and fails
# on any difference) on exactly these tables, index and queues, plus what the server's ADOT collector
# sidecar sends. No `*` action anywhere; resource `*` only where the action has no resource type.

locals {
  # Account and region come from the key's ARN (no data source: the module plans offline and in tests).
  account = split(":", var.kms_key_arn)[4]
  region  = split(":", var.kms_key_arn)[3]
  tables  = [var.core_table_arn, var.guild_table_arn]

  # Every item action the server's code sends (src/store/dynamodb: GetCommand -> GetItem, the
  # transactions' Put/Update/Delete/ConditionCheck items, the admin listing's Scan, BatchGet, Query).
  dynamodb_item_actions = [
    "dynamodb:BatchGetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:UpdateItem",
  ]
  # What a consumer sends: src/events/sqs-queue.ts, the one long-polling reader (server: commands queue;
  # push worker: events queue).
  sqs_consume_actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"]

  # Tables and queues are encrypted with the key: DynamoDB and SQS use it on the caller's behalf, so
  # the roles may use it through those two services only.
  kms_via_data_services = {
    StringEquals = {
      "kms:ViaService" = ["dynamodb.${local.region}.amazonaws.com", "sqs.${local.region}.amazonaws.com"]
    }
  }

  server_task_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "Tables"
        Effect   = "Allow"
        Action   = local.dynamodb_item_actions
        Resource = local.tables
      },
      {
        # checkGuildIndex at start and the user-room lookups Query the guild table's `inverted` index.
        Sid      = "GuildInvertedIndex"
        Effect   = "Allow"
        Action   = ["dynamodb:Query"]
        Resource = [var.guild_inverted_index_arn]
      },
      {
        # src/events/publisher.ts: SendMessageBatch is authorized as sqs:SendMessage.
        Sid      = "PublishEvents"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [var.events_queue_arn]
      },
      {
        Sid      = "ConsumeCommands"
        Effect   = "Allow"
        Action   = local.sqs_consume_actions
        Resource = [var.commands_queue_arn]
      },
      {
        # SQS producers need GenerateDataKey and Decrypt; DynamoDB tables under a customer key need
        # Encrypt, Decrypt, GenerateDataKey and DescribeKey from their callers.
        Sid       = "KeyThroughTablesAndQueues"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
        Resource  = [var.kms_key_arn]
        Condition = local.kms_via_data_services
      },
      {
        # The ADOT collector sidecar's awsxray exporter. X-Ray's PutTraceSegments has no resource type:
        # AWS accepts only "*" for it.
        Sid      = "CollectorTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments"]
        Resource = ["*"]
      },
      {
        # The collector's awsemf exporter: metrics as embedded-metric-format log events, into the log
        # group Terraform made (so no CreateLogGroup).
        Sid      = "CollectorMetrics"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["${var.metrics_log_group_arn}:log-stream:*"]
      },
    ]
  }

  notifier_task_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # The push worker opens only the device store (src/store/dynamodb/device-store.ts): the start
        # check's GetItem, and devices.ts's reads and writes of devices, push tokens and push claims, all
        # in the core table. No guild table, no index, no Scan/Update/transactions.
        Sid      = "DevicesAndPushClaims"
        Effect   = "Allow"
        Action   = ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]
        Resource = [var.core_table_arn]
      },
      {
        Sid      = "ConsumeEvents"
        Effect   = "Allow"
        Action   = local.sqs_consume_actions
        Resource = [var.events_queue_arn]
      },
      {
        Sid       = "KeyThroughTablesAndQueues"
        Effect    = "Allow"
        Action    = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
        Resource  = [var.kms_key_arn]
        Condition = local.kms_via_data_services
      },
    ]
  }

  execution_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # ECR's GetAuthorizationToken has no resource type: AWS accepts only "*" for it.
        Sid      = "RegistryLogin"
        Effect   = "Allow"
        Action   = ["ecr:GetAuthorizationToken"]
        Resource = ["*"]
      },
      {
        Sid      = "PullImage"
        Effect   = "Allow"
        Action   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
        Resource = var.ecr_repository_arns
      },
      {
        Sid      = "ContainerLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = [for arn in var.log_group_arns : "${arn}:log-stream:*"]
      },
      {
        # The task definitions' `secrets`: ECS reads them at task start and hands the values to the
        # container as variables; the task roles never read them.
        Sid      = "ReadSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = var.secret_arns
      },
      {
        Sid      = "DecryptSecrets"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = distinct(concat([var.kms_key_arn], var.secrets_kms_key_arns))
        Condition = {
          StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" }
        }
      },
    ]
  }

  # Only ECS tasks of this account may assume the roles (confused-deputy guard).
  assume_by_ecs_tasks = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account }
        ArnLike      = { "aws:SourceArn" = "arn:${split(":", var.kms_key_arn)[1]}:ecs:${local.region}:${local.account}:*" }
      }
    }]
  })
}

resource "aws_iam_role" "execution" {
  name               = "${var.name}-execution"
  description        = "ECS: pull the guildhall image, write its container logs, read its secrets"
  assume_role_policy = local.assume_by_ecs_tasks
  tags               = var.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "execution"
  role   = aws_iam_role.execution.id
  policy = jsonencode(local.execution_policy)
}

resource "aws_iam_role" "server" {
  name               = "${var.name}-server"
  description        = "guildhall server tasks and their ADOT collector"
  assume_role_policy = local.assume_by_ecs_tasks
  tags               = var.tags
}

resource "aws_iam_role_policy" "server" {
  name   = "server"
  role   = aws_iam_role.server.id
  policy = jsonencode(local.server_task_policy)
}

resource "aws_iam_role" "notifier" {
  name               = "${var.name}-notifier"
  description        = "guildhall push worker tasks"
  assume_role_policy = local.assume_by_ecs_tasks
  tags               = var.tags
}

resource "aws_iam_role_policy" "notifier" {
  name   = "notifier"
  role   = aws_iam_role.notifier.id
  policy = jsonencode(local.notifier_task_policy)
}
