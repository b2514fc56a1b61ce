# State in S3, locked by S3 itself (use_lockfile: Terraform >= 1.10, no DynamoDB lock table). The bucket
# is made once by hand (docs/deploy.md, step 1); each environment has its own key. Tests and CI run
# `terraform init -backend=false`.
terraform {
  backend "s3" {
    bucket       = "guildhall-terraform-state"
    key          = "guildhall/prod/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}
