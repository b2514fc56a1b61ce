terraform {
  # 1.11: write-only arguments and ephemeral values (the secrets module keeps values out of state).
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
