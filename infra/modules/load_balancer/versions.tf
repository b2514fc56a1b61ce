terraform {
  # 1.11: as every guildhall module (terraform test with mock_provider, the same CLI everywhere).
  required_version = ">= 1.11.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}
