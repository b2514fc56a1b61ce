# The whole environment planned and applied against a mock AWS: the keys, PITR and encryption of the
# tables, the queues' encryption, the sticky target group and the idle timeout, the secrets reaching the
# containers through `secrets` only, the node link port open only between the tasks, the drain order,
# and the seed's outputs.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012", arn = "arn:aws:iam::123456789012:user/test" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555", key_id = "11111111-2222-3333-4444-555555555555" }
  }
  mock_resource "aws_dynamodb_table" {
    defaults = { arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/gg_mock" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:123456789012:guildhall-dev-mock", url = "https://sqs.eu-west-1.amazonaws.com/123456789012/guildhall-dev-mock" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guildhall/dev/mock-AbCdEf" }
  }
  mock_resource "aws_ecr_repository" {
    defaults = { arn = "arn:aws:ecr:eu-west-1:123456789012:repository/guildhall-dev", repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/guildhall-dev" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/guildhall/dev/mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:123456789012:guildhall-dev-alarms" }
  }
  mock_resource "aws_security_group" {
    defaults = { id = "sg-0123456789abcdef0" }
  }
  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/guildhall-dev/0123456789abcdef", arn_suffix = "app/guildhall-dev/0123456789abcdef", dns_name = "guildhall-dev-123.eu-west-1.elb.amazonaws.com" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/guildhall-dev-server/0123456789abcdef", arn_suffix = "targetgroup/guildhall-dev-server/0123456789abcdef" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/guildhall-dev-mock" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:cluster/guildhall-dev" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:eu-west-1:123456789012:task-definition/guildhall-dev-server:1" }
  }
}

variables {
  aws_region         = "eu-west-1"
  vpc_id             = "vpc-0123456789abcdef0"
  vpc_cidr           = "10.0.0.0/16"
  public_subnet_ids  = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  private_subnet_ids = ["subnet-0123456789abcdef2", "subnet-0123456789abcdef3"]
  certificate_arn    = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  image_tag          = "3f2c1a9"
  # Ephemeral: an apply run needs it set in the plan phase too (the secrets module's note).
  jwt_secret = "0123456789abcdef0123456789abcdef0123456789"
}

run "environment" {
  assert {
    condition     = alltrue([for t in [module.tables.core_table_name, module.tables.guild_table_name] : contains(["gg_core", "gg_guild"], t)])
    error_message = "the tables keep their names"
  }
  assert {
    condition     = module.service.stop_timeout > module.load_balancer.deregistration_delay
    error_message = "ECS deregisters, waits the delay, then SIGTERM: the drain needs stop_timeout beyond it"
  }
  assert {
    condition     = module.load_balancer.idle_timeout > 75
    error_message = "the ALB idle timeout must be above the 75 s peer timeout"
  }
  assert {
    condition     = output.websocket_url == "wss://guildhall-dev-123.eu-west-1.elb.amazonaws.com/ws" && output.messaging_service_url == "https://guildhall-dev-123.eu-west-1.elb.amazonaws.com"
    error_message = "the URLs use the load balancer's name without domain_name"
  }
  assert {
    condition     = output.ecr_repository_url == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/guildhall-dev" && output.ecs_cluster_name == "guildhall-dev"
    error_message = "seed outputs: the repository and the cluster"
  }
  assert {
    condition     = output.security_group_id == "sg-0123456789abcdef0" && startswith(output.target_group_arn, "arn:aws:elasticloadbalancing:") && output.cloudwatch_log_group == "/guildhall/dev/server"
    error_message = "seed outputs: security group, target group, log group"
  }
  assert {
    condition     = output.ecs_service_name == "guildhall-dev-server" && output.alb_dns_name == "guildhall-dev-123.eu-west-1.elb.amazonaws.com"
    error_message = "seed outputs: the service and the load balancer"
  }
}

run "a_domain_name_goes_in_the_urls" {
  command = plan

  variables {
    domain_name = "chat.example.com"
  }
  assert {
    condition     = output.websocket_url == "wss://chat.example.com/ws" && output.messaging_service_url == "https://chat.example.com"
    error_message = "with domain_name the URLs use it (the certificate's name)"
  }
}

run "an_unknown_environment_is_refused" {
  command = plan

  variables {
    environment = "qa"
    task_cpu    = 300
  }
  expect_failures = [var.environment, var.task_cpu]
}
