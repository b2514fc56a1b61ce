output "repository_url" {
  description = "Where to push the image (`<account>.dkr.ecr.<region>.amazonaws.com/<name>`): the seed's ecr_repository_url; the image is <url>:<tag>."
  value       = aws_ecr_repository.this.repository_url
}

output "repository_arn" {
  description = "ARN of the repository (the execution role pulls from it: ecr:BatchGetImage, ecr:GetDownloadUrlForLayer)."
  value       = aws_ecr_repository.this.arn
}

output "repository_name" {
  description = "Name of the repository."
  value       = aws_ecr_repository.this.name
}

output "registry_id" {
  description = "The registry (account) id."
  value       = aws_ecr_repository.this.registry_id
}
