output "jwt_secret_arn" {
  description = "ARN of the JWT secret (created here or existing): the task definition's `secrets` entry JWT_SECRET."
  value       = local.create_jwt ? aws_secretsmanager_secret.jwt[0].arn : var.existing_jwt_secret_arn
}

output "cluster_secret_arn" {
  description = "ARN of the cluster secret: the task definition's `secrets` entry CLUSTER_SECRET."
  value       = aws_secretsmanager_secret.cluster.arn
}

output "secret_arns" {
  description = "Both secrets' ARNs (JWT, cluster): what the execution role may read (secretsmanager:GetSecretValue)."
  value = [
    local.create_jwt ? aws_secretsmanager_secret.jwt[0].arn : var.existing_jwt_secret_arn,
    aws_secretsmanager_secret.cluster.arn,
  ]
}

output "kms_key_arns" {
  description = "The KMS keys the secrets are encrypted with: what the execution role may kms:Decrypt with."
  value       = distinct(compact([var.kms_key_arn, local.create_jwt ? null : var.existing_jwt_secret_kms_key_arn]))
}
