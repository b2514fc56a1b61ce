# The repository: scan on push, immutable tags, encrypted with the customer-managed key, and a
# lifecycle policy that expires untagged images and keeps the most recent ones.

mock_provider "aws" {
  mock_resource "aws_ecr_repository" {
    defaults = {
      arn            = "arn:aws:ecr:eu-west-1:123456789012:repository/guildhall"
      repository_url = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/guildhall"
      registry_id    = "123456789012"
    }
  }
}

variables {
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
}

run "scanned_immutable_encrypted" {
  command = plan

  assert {
    condition     = aws_ecr_repository.this.image_scanning_configuration[0].scan_on_push
    error_message = "images are scanned on push"
  }
  assert {
    condition     = aws_ecr_repository.this.image_tag_mutability == "IMMUTABLE"
    error_message = "tags are immutable by default"
  }
  assert {
    condition     = aws_ecr_repository.this.encryption_configuration[0].encryption_type == "KMS" && aws_ecr_repository.this.encryption_configuration[0].kms_key == var.kms_key_arn
    error_message = "encrypted with the customer-managed key"
  }
  assert {
    condition     = aws_ecr_repository.this.force_delete == false
    error_message = "a destroy does not delete images by default"
  }
}

run "lifecycle_policy" {
  command = plan

  assert {
    condition = [for r in jsondecode(aws_ecr_lifecycle_policy.this.policy).rules : [r.rulePriority, r.selection.tagStatus, r.selection.countType, r.selection.countNumber, r.action.type]] == [
      [1, "untagged", "sinceImagePushed", 7, "expire"],
      [2, "any", "imageCountMoreThan", 50, "expire"],
    ]
    error_message = "untagged images expire after 7 days, then the 50 most recent images are kept"
  }
  assert {
    condition     = aws_ecr_lifecycle_policy.this.repository == "guildhall"
    error_message = "the policy is on the repository"
  }
}

run "outputs" {
  assert {
    condition     = output.repository_url == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/guildhall"
    error_message = "repository_url"
  }
  assert {
    condition     = output.repository_arn == "arn:aws:ecr:eu-west-1:123456789012:repository/guildhall"
    error_message = "repository_arn"
  }
}

run "aes256_without_a_key" {
  command = plan

  variables {
    kms_key_arn = null
  }

  assert {
    condition     = aws_ecr_repository.this.encryption_configuration[0].encryption_type == "AES256"
    error_message = "AES256 without a key"
  }
}

run "rejects_bad_values" {
  command = plan

  variables {
    repository_name      = "Guildhall"
    image_tag_mutability = "SOMETIMES"
    max_images           = 0
  }

  expect_failures = [var.repository_name, var.image_tag_mutability, var.max_images]
}
