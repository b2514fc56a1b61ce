output "core_table_name" {
  description = "The core table's name: the server's and the notifier's CORE_TABLE."
  value       = var.core_table_name
}

output "core_table_arn" {
  description = "The core table's ARN."
  value       = local.arns.core
}

output "guild_table_name" {
  description = "The guild table's name: the server's GUILD_TABLE."
  value       = var.guild_table_name
}

output "guild_table_arn" {
  description = "The guild table's ARN."
  value       = local.arns.guild
}

output "guild_inverted_index_arn" {
  description = "ARN of the guild table's inverted index (the server Queries it for GET /me/rooms)."
  value       = "${local.arns.guild}/index/${local.inverted_index}"
}

output "table_arns" {
  description = "Both tables' ARNs, core first."
  value       = [local.arns.core, local.arns.guild]
}
