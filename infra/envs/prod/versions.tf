terraform {
  # 1.11: ephemeral variables (jwt_secret stays out of plan and state).
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
