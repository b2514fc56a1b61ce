# One environment of guildhall on AWS: every module wired together. infra/envs/dev and infra/envs/prod
# have the same main.tf (test/infra/terraform.test.ts checks it); they differ in variables.tf's
# defaults and backend.tf. Order of the data: kms -> tables, queues, secrets, ecr, log groups -> iam
# -> service; the network and the load balancer in front.

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = merge({ Project = "guildhall", Environment = var.environment, ManagedBy = "terraform" }, var.tags)
  }
}

locals {
  name       = "guildhall-${var.environment}"
  log_prefix = "/guildhall/${var.environment}/"
  image      = var.existing_image_uri != null ? var.existing_image_uri : "${module.ecr.repository_url}:${var.image_tag}"
  # An image from another repository (existing_image_uri) is pulled from there: the execution role
  # may pull from it too. Its ARN is built from its URL (<account>.dkr.ecr.<region>.amazonaws.com/<name>).
  image_repository = var.existing_image_uri == null ? null : regex("^([0-9]{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com/([a-z0-9._/-]+)[:@]", var.existing_image_uri)
  image_repository_arns = distinct(concat([module.ecr.repository_arn], local.image_repository == null ? [] : [
    "arn:aws:ecr:${local.image_repository[1]}:${local.image_repository[0]}:repository/${local.image_repository[2]}"
  ]))
  host = var.domain_name != null ? var.domain_name : module.load_balancer.alb_dns_name
  # The push worker's own secrets (FCM credentials, VAPID key), when set, are read by the execution role too.
  push_secret_arns = compact([var.fcm_credentials_secret_arn, var.vapid_private_key_secret_arn])
}

module "kms" {
  source                = "../../modules/kms"
  name                  = local.name
  log_group_name_prefix = local.log_prefix
}

module "tables" {
  source                 = "../../modules/tables"
  create_tables          = var.create_tables
  core_table_name        = var.core_table_name
  guild_table_name       = var.guild_table_name
  kms_key_arn            = module.kms.key_arn
  point_in_time_recovery = true
  deletion_protection    = var.deletion_protection
}

module "queues" {
  source        = "../../modules/queues"
  name_prefix   = local.name
  kms_key_arn   = module.kms.key_arn
  alarm_actions = [module.observability.alarm_topic_arn]
}

module "secrets" {
  source                          = "../../modules/secrets"
  name_prefix                     = "guildhall/${var.environment}"
  kms_key_arn                     = module.kms.key_arn
  jwt_secret                      = var.jwt_secret
  jwt_secret_version              = var.jwt_secret_version
  existing_jwt_secret_arn         = var.existing_jwt_secret_arn
  existing_jwt_secret_kms_key_arn = var.existing_jwt_secret_kms_key_arn
  recovery_window_in_days         = var.secret_recovery_window_in_days
}

module "ecr" {
  source          = "../../modules/ecr"
  repository_name = local.name
  kms_key_arn     = module.kms.key_arn
  force_delete    = !var.deletion_protection
}

module "network" {
  source            = "../../modules/network"
  name              = local.name
  vpc_id            = var.vpc_id
  alb_ingress_cidrs = var.alb_ingress_cidrs != null ? var.alb_ingress_cidrs : (var.internal_alb ? [var.vpc_cidr] : ["0.0.0.0/0"])
}

module "load_balancer" {
  source                = "../../modules/load_balancer"
  name                  = local.name
  vpc_id                = var.vpc_id
  public_subnet_ids     = var.public_subnet_ids
  alb_security_group_id = module.network.alb_security_group_id
  certificate_arn       = var.certificate_arn
  internal              = var.internal_alb
  deletion_protection   = var.deletion_protection
}

module "observability" {
  source                  = "../../modules/observability"
  name                    = local.name
  log_group_prefix        = local.log_prefix
  log_retention_days      = var.log_retention_days
  kms_key_arn             = module.kms.key_arn
  alarm_emails            = var.alarm_emails
  alb_arn_suffix          = module.load_balancer.alb_arn_suffix
  target_group_arn_suffix = module.load_balancer.target_group_arn_suffix
  cluster_name            = module.service.cluster_name
  service_name            = module.service.service_name
  notifier_service_name   = module.service.notifier_service_name
  table_names             = [module.tables.core_table_name, module.tables.guild_table_name]
}

module "iam" {
  source                   = "../../modules/iam"
  name                     = local.name
  core_table_arn           = module.tables.core_table_arn
  guild_table_arn          = module.tables.guild_table_arn
  guild_inverted_index_arn = module.tables.guild_inverted_index_arn
  events_queue_arn         = module.queues.events_queue_arn
  commands_queue_arn       = module.queues.commands_queue_arn
  kms_key_arn              = module.kms.key_arn
  secret_arns              = concat(module.secrets.secret_arns, local.push_secret_arns)
  secrets_kms_key_arns     = module.secrets.kms_key_arns
  ecr_repository_arns      = local.image_repository_arns
  log_group_arns = [
    module.observability.log_group_arns["server"],
    module.observability.log_group_arns["adot"],
    module.observability.log_group_arns["notifier"],
  ]
  metrics_log_group_arn = module.observability.log_group_arns["metrics"]
}

module "service" {
  source                       = "../../modules/service"
  name                         = local.name
  aws_region                   = var.aws_region
  image                        = local.image
  private_subnet_ids           = var.private_subnet_ids
  service_security_group_id    = module.network.service_security_group_id
  target_group_arn             = module.load_balancer.target_group_arn
  execution_role_arn           = module.iam.execution_role_arn
  task_role_arn                = module.iam.server_task_role_arn
  notifier_task_role_arn       = module.iam.notifier_task_role_arn
  task_cpu                     = var.task_cpu
  task_memory                  = var.task_memory
  desired_count                = var.desired_count
  min_count                    = var.min_count
  max_count                    = var.max_count
  container_port               = module.network.container_port
  internal_port                = module.network.internal_port
  core_table_name              = module.tables.core_table_name
  guild_table_name             = module.tables.guild_table_name
  events_queue_url             = module.queues.events_queue_url
  commands_queue_url           = module.queues.commands_queue_url
  jwt_secret_arn               = module.secrets.jwt_secret_arn
  cluster_secret_arn           = module.secrets.cluster_secret_arn
  jwt_issuer                   = var.jwt_issuer
  jwt_audience                 = var.jwt_audience
  otel_service_name            = local.name
  server_log_group_name        = module.observability.server_log_group_name
  collector_log_group_name     = module.observability.collector_log_group_name
  metrics_log_group_name       = module.observability.metrics_log_group_name
  notifier_log_group_name      = module.observability.notifier_log_group_name
  notifier_enabled             = var.notifier_enabled
  fcm_project_id               = var.fcm_project_id
  fcm_credentials_secret_arn   = var.fcm_credentials_secret_arn
  vapid_public_key             = var.vapid_public_key
  vapid_subject                = var.vapid_subject
  vapid_private_key_secret_arn = var.vapid_private_key_secret_arn
}
