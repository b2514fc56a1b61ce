# The JWT and cluster secrets: encrypted with the customer-managed key, values written write-only
# (never in plan or state), generated here or given as an ephemeral variable; or an existing JWT
# secret referenced by ARN.
# Terraform 1.11's test runner refuses an apply run with an ephemeral variable left unset (it
# reads "unset at plan, must stay unset at apply" wrongly), so runs without jwt_secret are plans.

mock_provider "aws" {
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:guildhall/prod/mock-AbCdEf" }
  }
}

variables {
  name_prefix = "guildhall/prod"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
}

run "both_secrets_encrypted_with_the_key" {
  command = plan

  assert {
    condition     = aws_secretsmanager_secret.jwt[0].name == "guildhall/prod/jwt-secret" && aws_secretsmanager_secret.cluster.name == "guildhall/prod/cluster-secret"
    error_message = "secret names"
  }
  assert {
    condition     = aws_secretsmanager_secret.jwt[0].kms_key_id == var.kms_key_arn && aws_secretsmanager_secret.cluster.kms_key_id == var.kms_key_arn
    error_message = "both encrypted with the customer-managed key"
  }
  assert {
    condition     = aws_secretsmanager_secret.jwt[0].recovery_window_in_days == 30
    error_message = "30 days to restore a deleted secret"
  }
  assert {
    condition     = output.kms_key_arns == tolist([var.kms_key_arn])
    error_message = "one key to decrypt with"
  }
}

run "generated_values_are_write_only" {
  command = plan

  assert {
    condition     = aws_secretsmanager_secret_version.jwt[0].secret_string == null && aws_secretsmanager_secret_version.cluster.secret_string == null
    error_message = "no plaintext secret_string in the plan"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.jwt[0].secret_string_wo == null && aws_secretsmanager_secret_version.cluster.secret_string_wo == null
    error_message = "the write-only value is never kept"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.jwt[0].secret_string_wo_version == 1 && aws_secretsmanager_secret_version.cluster.secret_string_wo_version == 1
    error_message = "written once, at version 1"
  }
}

run "a_given_jwt_secret_is_in_neither_plan_nor_state" {
  variables {
    jwt_secret         = "0123456789abcdef0123456789abcdef-given"
    jwt_secret_version = 2
  }

  assert {
    condition     = aws_secretsmanager_secret_version.jwt[0].secret_string == null && aws_secretsmanager_secret_version.jwt[0].secret_string_wo == null
    error_message = "the given value is in neither attribute of the state"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.cluster.secret_string == null && aws_secretsmanager_secret_version.cluster.secret_string_wo == null
    error_message = "nor is the cluster secret's"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.jwt[0].secret_string_wo_version == 2
    error_message = "a bumped version writes the value again"
  }
  assert {
    condition     = output.secret_arns == [aws_secretsmanager_secret.jwt[0].arn, aws_secretsmanager_secret.cluster.arn]
    error_message = "secret_arns: JWT then cluster"
  }
  assert {
    condition     = output.jwt_secret_arn == aws_secretsmanager_secret.jwt[0].arn && output.cluster_secret_arn == aws_secretsmanager_secret.cluster.arn
    error_message = "the secret ARNs for the task definition's secrets"
  }
}

run "an_existing_jwt_secret_is_referenced" {
  command = plan

  variables {
    existing_jwt_secret_arn         = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:goalsguild/jwt-XyZ123"
    existing_jwt_secret_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/99999999-8888-7777-6666-555555555555"
  }

  assert {
    condition     = length(aws_secretsmanager_secret.jwt) == 0 && length(aws_secretsmanager_secret_version.jwt) == 0
    error_message = "no JWT secret is created"
  }
  assert {
    condition     = output.jwt_secret_arn == var.existing_jwt_secret_arn
    error_message = "jwt_secret_arn is the existing secret"
  }
  assert {
    condition     = output.kms_key_arns == tolist([var.kms_key_arn, var.existing_jwt_secret_kms_key_arn])
    error_message = "the execution role must decrypt with both keys"
  }
  assert {
    condition     = aws_secretsmanager_secret.cluster.name == "guildhall/prod/cluster-secret"
    error_message = "the cluster secret is still created"
  }
}

run "rejects_a_short_jwt_secret" {
  command = plan

  variables {
    jwt_secret = "too-short"
  }

  expect_failures = [var.jwt_secret]
}

run "rejects_a_bad_existing_arn_and_version" {
  command = plan

  variables {
    existing_jwt_secret_arn = "goalsguild/jwt"
    cluster_secret_version  = 0
  }

  expect_failures = [var.existing_jwt_secret_arn, var.cluster_secret_version]
}
